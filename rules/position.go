package rules

import (
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// specSource remembers where a rule's or a target's fields are in the file,
// so that problems found after decoding (CEL errors, unknown functions) point
// at the right line and column.
type specSource struct {
	file  string
	raw   []byte
	field string                // "rules[3]" or "rules[3].targets[0]"
	node  *yaml.Node            // the mapping
	keys  map[string]*yaml.Node // value node of each key
}

func newSpecSource(file string, raw []byte, field string, n *yaml.Node) *specSource {
	s := &specSource{file: file, raw: raw, field: field, node: n, keys: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := n.Content[i+1]
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		s.keys[n.Content[i].Value] = v
	}
	return s
}

// at returns the position of key's value, or of the mapping when the key is
// absent. A nil specSource (a spec built in Go) has no positions.
func (s *specSource) at(key string) Position {
	if s == nil {
		return Position{}
	}
	n := s.node
	if v, ok := s.keys[key]; ok {
		n = v
	}
	return Position{File: s.file, Line: n.Line, Column: n.Column}
}

// exprPos maps a CEL location (line 1-based, column 0-based in runes, within
// the expression text; line 0 for the whole expression) to the file: the
// whole expression is where its text starts. With no file it returns the
// location within the expression, columns 1-based.
func (s *specSource) exprPos(key, expr string, line, col int) Position {
	off := 0
	if line > 0 {
		off = runeOffset(expr, line, col)
	}
	var n *yaml.Node
	if s != nil {
		n = s.keys[key]
	}
	if n == nil || n.Kind != yaml.ScalarNode || len(s.raw) == 0 {
		p := s.at(key)
		if p.Line == 0 && line > 0 {
			return Position{Line: line, Column: col + 1}
		}
		return p
	}
	return mapScalar(s.file, s.raw, n, expr, off)
}

// runeOffset converts a line and column in text to a rune offset.
func runeOffset(text string, line, col int) int {
	off, l := 0, 1
	for _, r := range text {
		if l == line {
			break
		}
		off++
		if r == '\n' {
			l++
		}
	}
	return off + col
}

// rawRune is one character of the file with its position (column in runes,
// 1-based, as yaml.v3 counts them).
type rawRune struct {
	r         rune
	line, col int
}

// mapScalar finds the file position of rune offset off of a scalar's value.
// It walks the value and the file text side by side: equal characters are
// the same character; whitespace in the file that the value lacks (line
// indentation, folded line breaks) is skipped; escapes are skipped. This is
// exact for plain, quoted, literal and folded scalars without escapes and
// close enough with them.
func mapScalar(file string, raw []byte, n *yaml.Node, value string, off int) Position {
	text := scalarText(raw, n)
	if len(text) == 0 {
		return Position{File: file, Line: n.Line, Column: n.Column}
	}
	i, j := 0, 0
	last := text[0]
	for _, vr := range value {
		if j >= len(text) {
			break
		}
		for j < len(text) {
			c := text[j]
			if vr == c.r || isBlank(vr) && isBlank(c.r) {
				break
			}
			if isBlank(c.r) || n.Style&yaml.DoubleQuotedStyle != 0 && c.r == '\\' || n.Style&yaml.SingleQuotedStyle != 0 && c.r == '\'' {
				j++
				continue
			}
			break
		}
		if j >= len(text) {
			break
		}
		c := text[j]
		last = c
		if i == off {
			return Position{File: file, Line: c.line, Column: c.col}
		}
		// A blank in the value that the file does not have (a folded
		// line break mapped to the next line's first character) stays on
		// the same file character.
		if vr == c.r || isBlank(c.r) || !isBlank(vr) {
			j++
		}
		i++
	}
	// Past the end of the value (CEL reports "end of input" there): one
	// after the last character.
	return Position{File: file, Line: last.line, Column: last.col + 1}
}

func isBlank(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// scalarText returns the file's characters that make up a scalar: from its
// start (after the opening quote) for flow scalars; for block scalars (| and
// >) the lines after the header with the block's indentation removed, line
// breaks kept.
func scalarText(raw []byte, n *yaml.Node) []rawRune {
	lines := splitLines(raw)
	if n.Line < 1 || n.Line > len(lines) {
		return nil
	}
	var out []rawRune
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		col := n.Column
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			col++
		}
		for li := n.Line; li <= len(lines); li++ {
			c := 1
			for _, r := range string(lines[li-1]) {
				if li > n.Line || c >= col {
					out = append(out, rawRune{r, li, c})
				}
				c++
			}
			out = append(out, rawRune{'\n', li, c})
		}
		return out
	}
	indent := -1
	for li := n.Line + 1; li <= len(lines); li++ {
		line := string(lines[li-1])
		lead := leadingSpaces(line)
		if lead == len(line) { // blank line: part of the block
			out = append(out, rawRune{'\n', li, len(line) + 1})
			continue
		}
		if indent < 0 {
			indent = lead
		}
		if lead < indent {
			break
		}
		c := 1
		for _, r := range line {
			if c > indent {
				out = append(out, rawRune{r, li, c})
			}
			c++
		}
		out = append(out, rawRune{'\n', li, c})
	}
	return out
}

func leadingSpaces(s string) int {
	n := 0
	for n < len(s) && s[n] == ' ' {
		n++
	}
	return n
}

// splitLines splits raw at line breaks, dropping a trailing \r.
func splitLines(raw []byte) [][]byte {
	var lines [][]byte
	for len(raw) > 0 {
		i := 0
		for i < len(raw) && raw[i] != '\n' {
			i++
		}
		line := raw[:i]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if !utf8.Valid(line) {
			line = []byte(string([]rune(string(line))))
		}
		lines = append(lines, line)
		if i == len(raw) {
			break
		}
		raw = raw[i+1:]
	}
	return lines
}
