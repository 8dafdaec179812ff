package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// expander replaces ${VAR} in the scalar values of a parsed document. It runs
// on nodes, not on the file's text, so that a YAML syntax error can never
// print a secret, and keys are never expanded.
type expander struct {
	file    string
	raw     []byte
	lookup  func(string) (string, bool)
	probs   *problems
	secrets []string
	seen    map[*yaml.Node]bool
}

func (x *expander) walk(n *yaml.Node, field string) {
	if n == nil || x.seen[n] {
		return
	}
	// Aliases share nodes: expanding one twice would expand what $${
	// produced.
	x.seen[n] = true
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			x.walk(c, field)
		}
	case yaml.AliasNode:
		x.walk(n.Alias, field)
	case yaml.SequenceNode:
		for i, c := range n.Content {
			x.walk(c, fmt.Sprintf("%s[%d]", field, i))
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			x.walk(n.Content[i+1], joinField(field, n.Content[i].Value))
		}
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "$") {
			n.Value = x.expand(n, field)
		}
	}
}

// expand returns n's value with ${NAME} replaced by the variable's value and
// $${ by a literal ${, recording a problem for each missing variable.
func (x *expander) expand(n *yaml.Node, field string) string {
	s := n.Value
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				x.fail(n, s, i, field, "unterminated ${ (write $${ for a literal ${)")
				b.WriteString(s[i:])
				i = len(s)
				continue
			}
			name := s[i+2 : i+2+end]
			i += 3 + end
			if !validVarName(name) {
				x.fail(n, s, i-3-end, field, "invalid variable name %q in ${...} (letters, digits and _; write $${ for a literal ${)", name)
				continue
			}
			v, ok := x.lookup(name)
			if !ok {
				x.fail(n, s, i-3-end, field, "${%s}: environment variable %s is not set", name, name)
				continue
			}
			b.WriteString(v)
			x.addSecret(v)
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

func (x *expander) fail(n *yaml.Node, s string, byteOff int, field, format string, args ...any) {
	pos := mapScalar(x.file, x.raw, n, s, utf8.RuneCountInString(s[:byteOff]))
	x.probs.addf(pos, "", field, format, args...)
}

func (x *expander) addSecret(v string) {
	if v == "" {
		return
	}
	for _, s := range x.secrets {
		if s == v {
			return
		}
	}
	x.secrets = append(x.secrets, v)
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
