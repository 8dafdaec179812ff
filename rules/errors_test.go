package rules

import (
	"errors"
	"strings"
	"testing"
)

// TestLoadErrors loads every file under testdata/rules/errors: each must be
// refused with a *LoadError whose text is the golden file next to it, and
// whose first problem is at the place the table names.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		file  string
		first string // the first problem's "file:line:col: rule: field"
		count int
	}{
		{"syntax.yaml", "errors/syntax.yaml:3: yaml: did not find expected ',' or '}'", 1},
		{"type_error.yaml", `errors/type_error.yaml:5:28: rule "bad-types": match: ERROR: found no matching overload for '_+_'`, 1},
		{"undeclared.yaml", `errors/undeclared.yaml:8:7: rule "validate-pr": match: ERROR: undeclared reference to 'evnt'`, 2},
		{"non_bool.yaml", `errors/non_bool.yaml:5:12: rule "counts": match: must be a bool expression, got int`, 1},
		{"unknown_field.yaml", `errors/unknown_field.yaml:2:3: server: unknown field "htp"`, 5},
		{"unknown_function.yaml", `errors/unknown_function.yaml:9:19: rule "notify-all": targets[1].function: unknown function "slack" (declared: chat, ci)`, 1},
		{"duplicate_rule.yaml", `errors/duplicate_rule.yaml:10:11: rule "build": name: duplicate rule name (first defined at errors/duplicate_rule.yaml:4:11)`, 1},
		{"missing_var.yaml", `errors/missing_var.yaml:2:38: functions.pr-bot.token: ${GITHUB_TOKN}: environment variable GITHUB_TOKN is not set`, 2},
		{"bad_schedule.yaml", `errors/bad_schedule.yaml:5:15: rule "zero-rate": schedule: rate(...): "0" is not a positive whole number`, 5},
		{"cost.yaml", `errors/cost.yaml:8:12: rule "quadratic-is-not": match: estimated cost up to 114301955 is over the budget engine.maxCost = 1000000`, 2},
		{"rule_shape.yaml", `errors/rule_shape.yaml:2:10: engine.retry: maxAttempts must be positive`, 10},
		{"two_documents.yaml", `errors/two_documents.yaml:2:1: a configuration file holds one YAML document`, 1},
		{"secret_in_error.yaml", `errors/secret_in_error.yaml:3:13: nats.replicas: want an integer, got !!str`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := parseFile(t, "errors/"+tt.file)
			if err == nil {
				t.Fatalf("loaded %+v, want an error", c)
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T %v, want *LoadError", err, err)
			}
			if got := le.Problems[0].String(); !strings.HasPrefix(got, tt.first) {
				t.Errorf("first problem:\n got %s\nwant %s...", got, tt.first)
			}
			if len(le.Problems) != tt.count {
				t.Errorf("%d problems, want %d:\n%v", len(le.Problems), tt.count, err)
			}
			for secret := range strings.SplitSeq("whsec-github-1234 ghp_secret_token_value three-replicas-please", " ") {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows the secret %q:\n%v", secret, err)
				}
			}
			golden(t, "errors/"+strings.TrimSuffix(tt.file, ".yaml")+".golden", err.Error()+"\n")
		})
	}
}
