package rules

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// maxDecodeSteps bounds the nodes one decode visits, so that a small file
// whose aliases expand exponentially ("billion laughs") is refused quickly.
const maxDecodeSteps = 1 << 20

// decoder fills Go values from yaml.Nodes, refusing unknown and duplicate
// keys and reporting every problem with its line and column. It never puts a
// scalar's value in a message: after ${VAR} expansion it may be a secret.
type decoder struct {
	file  string
	probs *problems
	steps int
	over  bool
	// secrets and raw are handed to the FunctionConfigs and RuleSpecs that
	// the decoder fills, for their own later errors.
	secrets *[]string
	raw     []byte
	// fields, when set, records where each decoded field was.
	fields map[string]Position
}

// decodeStrict decodes n into v (a non-nil pointer) the way Parse decodes the
// configuration: unknown fields refused, errors naming file, line and column.
func decodeStrict(file, field string, n *yaml.Node, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("rules: decode: want a non-nil pointer, got %T", v)
	}
	var ps problems
	d := &decoder{file: file, probs: &ps}
	d.decode(n, rv.Elem(), field)
	return ps.err()
}

// budget counts k more steps and reports whether the decode may go on,
// recording one problem when it may not.
func (d *decoder) budget(n *yaml.Node, field string, k int) bool {
	d.steps += k
	if d.steps < maxDecodeSteps {
		return true
	}
	if !d.over {
		d.over = true
		d.fail(n, field, "document too large or too many alias expansions")
	}
	return false
}

func (d *decoder) pos(n *yaml.Node) Position {
	return Position{File: d.file, Line: n.Line, Column: n.Column}
}

func (d *decoder) fail(n *yaml.Node, field, format string, args ...any) {
	d.probs.addf(d.pos(n), "", field, format, args...)
}

var (
	nodeType          = reflect.TypeFor[yaml.Node]()
	nodePtrType       = reflect.TypeFor[*yaml.Node]()
	unmarshalerType   = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshalType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decode fills v (settable) from n; field is the path for messages.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, field string) {
	if !d.budget(n, field, 1) {
		return
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			d.fail(n, field, "unknown alias")
			return
		}
		n = n.Alias
	}
	if d.fields != nil && !strings.HasPrefix(field, "rules[") {
		d.fields[field] = d.pos(n)
	}
	switch v.Type() {
	case nodeType:
		v.Set(reflect.ValueOf(*n))
		return
	case nodePtrType:
		v.Set(reflect.ValueOf(n))
		return
	}
	if isNull(n) {
		v.SetZero()
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), field)
		return
	}
	// The configuration's own types need file positions that the generic
	// walk cannot know about.
	switch p := v.Addr().Interface().(type) {
	case *FunctionConfig:
		d.function(n, p, field)
		return
	case *RuleSpec:
		d.rule(n, p, field)
		return
	case *TargetSpec:
		d.target(n, p, field)
		return
	}
	if v.Addr().Type().Implements(unmarshalerType) {
		if err := v.Addr().Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			d.fail(n, field, "%s", cleanYAMLError(err))
		}
		return
	}
	if n.Kind == yaml.ScalarNode && v.Addr().Type().Implements(textUnmarshalType) {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.fail(n, field, "%s", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.fail(n, field, "%s", cleanYAMLError(err))
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.Struct:
		d.structure(n, v, field)
	case reflect.Map:
		d.mapping(n, v, field)
	case reflect.Slice:
		d.sequence(n, v, field)
	case reflect.String:
		if d.scalar(n, field, "a string") {
			v.SetString(n.Value)
		}
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		d.number(n, v, field)
	default:
		d.fail(n, field, "cannot decode into a Go %s", v.Type())
	}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar (" + n.ShortTag() + ")"
	}
	return "something else"
}

// scalar reports whether n is a scalar, recording a problem when it is not.
func (d *decoder) scalar(n *yaml.Node, field, want string) bool {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, field, "want %s, got %s", want, kindName(n))
		return false
	}
	return true
}

// number decodes booleans and numbers. A quoted value ("3") is read like a
// plain one, so that `replicas: "${REPLICAS}"` works.
func (d *decoder) number(n *yaml.Node, v reflect.Value, field string) {
	want := "a number"
	switch v.Kind() {
	case reflect.Bool:
		want = "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "an integer"
	}
	if !d.scalar(n, field, want) {
		return
	}
	plain := &yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}
	tag := plain.ShortTag()
	// yaml.v3 would truncate 1.5 into an int and read 1 as true.
	fits := tag == "!!int"
	switch v.Kind() {
	case reflect.Bool:
		fits = tag == "!!bool"
	case reflect.Float32, reflect.Float64:
		fits = tag == "!!int" || tag == "!!float"
	}
	if !fits {
		d.fail(n, field, "want %s, got %s", want, tag)
		return
	}
	if err := plain.Decode(v.Addr().Interface()); err != nil {
		// The yaml error quotes the value; say only what was expected.
		d.fail(n, field, "want %s, got %s", want, plain.ShortTag())
	}
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, field string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, field, "want a list, got %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", field, i))
	}
	v.Set(s)
}

// pairs returns the key/value pairs of a mapping with merge keys (<<)
// resolved, the mapping's own keys overriding merged ones.
func (d *decoder) pairs(n *yaml.Node, field string) [][2]*yaml.Node {
	// Merges of merges can grow exponentially, like aliases.
	if !d.budget(n, field, len(n.Content)/2) {
		return nil
	}
	var merged, own [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			for _, m := range mergeSources(val) {
				if m.Kind != yaml.MappingNode {
					d.fail(val, field, "<< wants a mapping or a list of mappings")
					continue
				}
				merged = append(merged, d.pairs(m, field)...)
			}
			continue
		}
		own = append(own, [2]*yaml.Node{k, val})
	}
	if len(merged) == 0 {
		return own
	}
	// Own keys win over merged ones; among merged, the first source wins.
	seen := map[string]bool{}
	for _, p := range own {
		seen[p[0].Value] = true
	}
	out := own
	for _, p := range merged {
		if !seen[p[0].Value] {
			seen[p[0].Value] = true
			out = append(out, p)
		}
	}
	return out
}

func mergeSources(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.SequenceNode {
		out := make([]*yaml.Node, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind == yaml.AliasNode && c.Alias != nil {
				c = c.Alias
			}
			out = append(out, c)
		}
		return out
	}
	return []*yaml.Node{n}
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, field string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, field, "want a mapping, got %s", kindName(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := map[string]bool{}
	for _, p := range d.pairs(n, field) {
		k, val := p[0], p[1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, field, "keys must be scalars")
			continue
		}
		if seen[k.Value] {
			d.fail(k, field, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		kv := reflect.New(v.Type().Key()).Elem()
		d.decode(k, kv, field)
		ev := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, ev, joinField(field, k.Value))
		v.SetMapIndex(kv, ev)
	}
}

func joinField(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, field string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, field, "want a mapping, got %s", kindName(n))
		return
	}
	fields := structFields(v.Type())
	seen := map[string]bool{}
	for _, p := range d.pairs(n, field) {
		k, val := p[0], p[1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, field, "keys must be scalars")
			continue
		}
		if seen[k.Value] {
			d.fail(k, field, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		idx, ok := fields.byName[k.Value]
		if !ok {
			d.fail(k, field, "unknown field %q (known: %s)", k.Value, strings.Join(fields.names, ", "))
			continue
		}
		fv, ok := fieldByIndex(v, idx)
		if !ok {
			continue
		}
		d.decode(val, fv, joinField(field, k.Value))
	}
}

// fieldByIndex is reflect.Value.FieldByIndex allocating nil embedded
// pointers on the way.
func fieldByIndex(v reflect.Value, idx []int) (reflect.Value, bool) {
	for i, x := range idx {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, v.CanSet()
}

type fieldSet struct {
	byName map[string][]int
	names  []string
}

var fieldCache sync.Map // reflect.Type -> *fieldSet

// structFields maps yaml keys to struct fields the way go.yaml.in/yaml/v3
// does: the tag's name or the lower-cased field name, ",inline" flattened,
// "-" and unexported fields skipped.
func structFields(t reflect.Type) *fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{byName: map[string][]int{}}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			tag := f.Tag.Get("yaml")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(slices.Clone(prefix), i)
			if slices.Contains(strings.Split(opts, ","), "inline") {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, idx)
				}
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			if _, dup := fs.byName[name]; !dup {
				fs.byName[name] = idx
				fs.names = append(fs.names, name)
			}
		}
	}
	walk(t, nil)
	actual, _ := fieldCache.LoadOrStore(t, fs)
	return actual.(*fieldSet)
}

// cleanYAMLError turns a yaml.v3 unmarshal error into one line without the
// value it quotes.
func cleanYAMLError(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return "value does not fit the field's type"
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
