package rules

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestExprPositions compiles a broken expression written in every YAML
// scalar style and checks that the error points at the bad identifier
// (`bad`) in the file.
func TestExprPositions(t *testing.T) {
	tests := []struct {
		name  string
		match string // YAML after "    match: "
		want  string // line:col of "bad"
	}{
		{"plain", `event.type == "x" && bad`, "4:33"},
		{"double quoted", `"event.type == 'x' && bad"`, "4:34"},
		{"double quoted with escapes", `"event.type == \"x\" && bad"`, "4:36"},
		{"single quoted", `'event.type == ''x'' && bad'`, "4:36"},
		{"plain on two lines", "event.type == \"x\" &&\n      bad", "5:7"},
		{"folded", ">-\n      event.type == \"x\" &&\n      event.source == \"y\" &&\n      bad", "7:7"},
		{"folded with a blank line", ">\n      event.type == \"x\" &&\n\n      bad", "7:7"},
		{"folded more indented", ">-\n      event.type == \"x\" &&\n        bad", "6:9"},
		{"literal", "|\n      event.type == \"x\" &&\n         bad", "6:10"},
		{"literal with comment after header", "|-  # the rule\n      event.type == \"x\"\n      && bad", "6:10"},
		{"literal keep", "|+\n      event.type == \"x\" &&\n      bad\n\n", "7:7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "functions: { f: { type: x } }\nrules:\n  - name: r\n    match: " + tt.match + "\n    targets: [ { function: f } ]\n"
			if tt.name == "literal keep" {
				data = "functions: { f: { type: x } }\nrules:\n  - name: r\n    targets: [ { function: f } ]\n    match: " + tt.match
			}
			_, err := Parse("p.yaml", []byte(data), nil)
			want := "p.yaml:" + tt.want + `: rule "r": match: ERROR: undeclared reference to 'bad'`
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("file:\n%s\nerror:\n%v\nwant:\n%s", data, err, want)
			}
		})
	}
}

// TestExprPositionsWithoutFile: a RuleSpec built in Go reports positions
// within the expression.
func TestExprPositionsWithoutFile(t *testing.T) {
	_, err := Compile([]RuleSpec{{Name: "r", Match: "event.type == \"x\" &&\n  bad", Targets: []TargetSpec{{Function: "f"}}}},
		map[string]FunctionConfig{"f": {Type: "x"}}, EngineConfig{})
	want := `2:3: rule "r": match: ERROR: undeclared reference to 'bad' (in container '')`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestMapScalarEnd(t *testing.T) {
	// Past the end of the value: one after its last character.
	raw := []byte("k: abc\n")
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	n := doc.Content[0].Content[1]
	if p := mapScalar("f", raw, n, "abc", 3); p.String() != "f:1:7" {
		t.Errorf("end at %v", p)
	}
	if p := mapScalar("f", raw, n, "abc", 0); p.String() != "f:1:4" {
		t.Errorf("start at %v", p)
	}
}
