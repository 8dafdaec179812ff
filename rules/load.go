package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Load reads, expands, validates and compiles the configuration file at path,
// reading ${VAR}s from the process environment.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules: read config: %w", err)
	}
	return Parse(path, data, os.LookupEnv)
}

// Parse is Load on a file's contents; path is used in messages only. It
// returns a *LoadError listing every problem when the file is refused.
func Parse(path string, data []byte, lookupEnv func(string) (string, bool)) (*Config, error) {
	var ps problems
	root := parseDocument(path, data, &ps)
	if root == nil {
		return nil, ps.err()
	}
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	x := &expander{file: path, raw: data, lookup: lookupEnv, probs: &ps, seen: map[*yaml.Node]bool{}}
	x.walk(root, "")

	c := &Config{Path: path, secrets: x.secrets, fields: map[string]Position{}}
	if len(root.Content) > 0 {
		top := root.Content[0]
		if top.Kind != yaml.MappingNode && !isNull(top) {
			ps.addf(Position{File: path, Line: top.Line, Column: top.Column}, "", "", "want a mapping at the top level, got %s", kindName(top))
		} else {
			d := &decoder{file: path, probs: &ps, secrets: &x.secrets, raw: data, fields: c.fields}
			d.decode(top, reflect.ValueOf(c).Elem(), "")
		}
	}
	c.applyDefaults()
	c.validate(&ps)

	set, err := Compile(c.Rules, c.Functions, c.Engine)
	var le *LoadError
	switch {
	case errors.As(err, &le):
		ps.list = append(ps.list, le.Problems...)
	case err != nil:
		return nil, fmt.Errorf("rules: compile %s: %w", path, err)
	}
	if len(ps.list) > 0 {
		maskSecrets(ps.list, c.secrets)
		// File order reads best; every problem here has a file position.
		sort.SliceStable(ps.list, func(i, j int) bool {
			a, b := ps.list[i].Pos, ps.list[j].Pos
			return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
		})
		return nil, ps.err()
	}
	c.set = set
	return c, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument parses data into a document node; nil (with a problem) when
// it is not YAML or holds more than one document. An empty file is an empty
// document.
func parseDocument(path string, data []byte, ps *problems) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yaml.Node{Kind: yaml.DocumentNode}
		}
		p := syntaxProblem(path, err)
		if line, ok := unquotedFlowRef(data); ok {
			// The most common cause: `{ secret: ${TOKEN} }`. In a flow
			// mapping or list, '{' and '}' end a plain value.
			p = Problem{Pos: Position{File: path, Line: line, Column: 0},
				Msg: p.Msg + `; a ${VAR} inside { } or [ ] must be quoted: "${VAR}"`}
		}
		ps.add(p)
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		ps.add(syntaxProblem(path, err))
		return nil
	default:
		ps.addf(Position{File: path, Line: next.Line, Column: next.Column}, "", "", "a configuration file holds one YAML document; found another here")
		return nil
	}
	return &doc
}

// unquotedFlowRef finds the first line that has an unquoted ${ after a '{'
// or '[' that opens a flow collection on the same line.
func unquotedFlowRef(data []byte) (int, bool) {
	for i, line := range bytes.Split(data, []byte("\n")) {
		ref := bytes.Index(line, []byte("${"))
		if ref < 0 {
			continue
		}
		before := line[:ref]
		if bytes.IndexAny(before, "{[") >= 0 && !bytes.HasSuffix(bytes.TrimRight(before, " "), []byte("\"")) &&
			!bytes.HasSuffix(bytes.TrimRight(before, " "), []byte("'")) && bytes.Count(before, []byte("\""))%2 == 0 {
			return i + 1, true
		}
	}
	return 0, false
}

// parserProblems are the messages of libyaml's parser (as opposed to its
// scanner). yaml.v3 reports their line 0-based, and for errors inside a
// collection the line where the collection starts.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// syntaxProblem turns a yaml.v3 parse error into a Problem. The parser
// reports a line but no column, so the column is left unknown.
func syntaxProblem(path string, err error) Problem {
	p := Problem{Pos: Position{File: path}, Msg: err.Error()}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		p.Pos.Line, _ = strconv.Atoi(m[1])
		if parserProblems[m[2]] {
			p.Pos.Line++
		}
		p.Msg = "yaml: " + m[2]
	}
	return p
}

// function decodes one functions.<name> block: type, concurrency and timeout
// here, the rest kept as a node for the function type's factory.
func (d *decoder) function(n *yaml.Node, fc *FunctionConfig, field string) {
	pos := d.pos(n)
	fc.pos, fc.at, fc.field = pos, pos.String(), field
	if d.secrets != nil {
		fc.secrets = *d.secrets
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, field, "want a mapping with at least a type, got %s", kindName(n))
		return
	}
	rest := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: n.Style, Line: n.Line, Column: n.Column}
	seen := map[string]bool{}
	for _, p := range d.pairs(n, field) {
		k, v := p[0], p[1]
		switch k.Value {
		case "type", "concurrency", "timeout", "inline":
			if seen[k.Value] {
				d.fail(k, field, "duplicate key %q", k.Value)
				continue
			}
			seen[k.Value] = true
		}
		switch k.Value {
		case "type":
			d.decode(v, reflect.ValueOf(&fc.Type).Elem(), field+".type")
		case "concurrency":
			d.decode(v, reflect.ValueOf(&fc.Concurrency).Elem(), field+".concurrency")
		case "timeout":
			d.decode(v, reflect.ValueOf(&fc.Timeout).Elem(), field+".timeout")
		case "inline":
			d.decode(v, reflect.ValueOf(&fc.Inline).Elem(), field+".inline")
		default:
			rest.Content = append(rest.Content, k, v)
		}
	}
	fc.node = rest
}

// rule decodes a RuleSpec and remembers where its fields are.
func (d *decoder) rule(n *yaml.Node, r *RuleSpec, field string) {
	d.structure(n, reflect.ValueOf(r).Elem(), field)
	r.Pos = d.pos(n)
	if n.Kind == yaml.MappingNode {
		r.src = newSpecSource(d.file, d.raw, field, n)
	}
}

// target decodes a TargetSpec and remembers where its fields are.
func (d *decoder) target(n *yaml.Node, t *TargetSpec, field string) {
	d.structure(n, reflect.ValueOf(t).Elem(), field)
	if n.Kind == yaml.MappingNode {
		t.src = newSpecSource(d.file, d.raw, field, n)
	}
}
