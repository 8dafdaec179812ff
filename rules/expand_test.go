package rules

import (
	"slices"
	"testing"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "alpha", "B": "", "TOKEN": "s3cr3t-token"}
	tests := []struct {
		name, value, want string
		secrets           []string
		problem           string // the whole error; "" when none
	}{
		{"plain", `x`, "x", nil, ""},
		{"one", `${A}`, "alpha", []string{"alpha"}, ""},
		{"inside", `pre-${A}-post`, "pre-alpha-post", []string{"alpha"}, ""},
		{"two", `${A}:${TOKEN}:${A}`, "alpha:s3cr3t-token:alpha", []string{"alpha", "s3cr3t-token"}, ""},
		{"empty is set, not a secret", `"[${B}]"`, "[]", nil, ""},
		{"escape", `$${A} and $$5 and $x`, "${A} and $$5 and $x", nil, ""},
		{"escape then var", `$${A}${A}`, "${A}alpha", []string{"alpha"}, ""},
		{"quoted", `"  ${A}"`, "  alpha", []string{"alpha"}, ""},
		{"missing", `${NOPE}`, "", nil, `test.yaml:1:12: pipelines: ${NOPE}: environment variable NOPE is not set`},
		{"missing after text", `'abc ${NOPE} ${MISSING}'`, "", nil, "test.yaml:1:17: pipelines: ${NOPE}: environment variable NOPE is not set\n" +
			"test.yaml:1:25: pipelines: ${MISSING}: environment variable MISSING is not set"},
		{"bad name", `${A-B}`, "", nil, `test.yaml:1:12: pipelines: invalid variable name "A-B" in ${...} (letters, digits and _; write $${ for a literal ${)`},
		{"unterminated", `${A`, "", nil, `test.yaml:1:12: pipelines: unterminated ${ (write $${ for a literal ${)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("test.yaml", []byte("pipelines: "+tt.value+"\n"), lookup(env))
			if tt.problem != "" {
				if err == nil || err.Error() != tt.problem {
					t.Fatalf("error:\n%v\nwant:\n%s", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Pipelines.Value != tt.want {
				t.Errorf("value %q, want %q", c.Pipelines.Value, tt.want)
			}
			if !slices.Equal(c.Secrets(), tt.secrets) {
				t.Errorf("secrets %q, want %q", c.Secrets(), tt.secrets)
			}
		})
	}
}

func TestExpandKeysAndAliases(t *testing.T) {
	env := map[string]string{"A": "alpha", "ESC": "$${A}"}
	c, err := Parse("test.yaml", []byte(`
pipelines:
  - &x { "${A}": "${ESC}" }
  - *x
  - *x
`), lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	items := c.Pipelines.Content
	// Keys are never expanded; a value is expanded once, and what a
	// variable holds is not expanded again.
	k, v := items[0].Content[0].Value, items[0].Content[1].Value
	if k != "${A}" || v != "$${A}" {
		t.Errorf("key %q value %q", k, v)
	}
	if items[2].Alias.Content[1].Value != "$${A}" {
		t.Errorf("alias value %q", items[2].Alias.Content[1].Value)
	}
}
