package rules

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no input makes Parse (or matching with what it accepts) panic,
// and every refusal is a *LoadError with at least one problem.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"*.yaml", "errors/*.yaml"} {
		files, err := filepath.Glob(filepath.Join(testdata, pattern))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("rules:\n  - name: r\n    match: |\n      event.type == \"a\" &&\n       ${X}\n"))
	e := newEvent(f, "dev.codebridge.repository.pullRequestCreated", "s", map[string]any{"destinationReference": "refs/heads/main"})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data, lookup(testEnv))
		if err != nil {
			var le *LoadError
			if errors.As(err, &le) && len(le.Problems) == 0 {
				t.Fatal("a LoadError without problems")
			}
			_ = err.Error()
			return
		}
		c.RuleSet().Match(context.Background(), e)
		c.RuleSet().MatchAll(context.Background(), e)
	})
}
