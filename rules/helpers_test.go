package rules

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/codebridge/codebridge/events"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/rules")

const testdata = "../testdata/rules"

// testEnv is the environment the test configurations are expanded with.
var testEnv = map[string]string{
	"GITHUB_WEBHOOK_SECRET": "whsec-github-1234",
	"GITEA_WEBHOOK_SECRET":  "whsec-gitea-5678",
	"GITHUB_TOKEN":          "ghp_secret_token_value",
	"SLACK_WEBHOOK_URL":     "https://hooks.slack.example/T000/B000/XXXX",
	"REPLICAS":              "three-replicas-please",
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// parseFile parses a file under testdata/rules, named relative to it in
// messages.
func parseFile(t *testing.T, name string) (*Config, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return Parse(name, data, lookup(testEnv))
}

// mustParse parses an inline configuration.
func mustParse(t testing.TB, yaml string) *Config {
	t.Helper()
	c, err := Parse("test.yaml", []byte(yaml), lookup(testEnv))
	if err != nil {
		t.Fatalf("parse:\n%v", err)
	}
	return c
}

// golden compares got with testdata/rules/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./rules -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// newEvent builds an event with any type and JSON data, without the
// catalogue's validation, for tests of the matcher.
func newEvent(t testing.TB, typ, source string, data any) events.Event {
	t.Helper()
	e := event.New(event.CloudEventsVersionV1)
	e.SetID("evt-1")
	e.SetType(typ)
	e.SetSource(source)
	e.SetTime(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	if data != nil {
		if err := events.SetJSONData(&e, data); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// matchNames formats matches as "rule/target:function" for comparisons.
func matchNames(ms []Match) string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(m.Rule)
		b.WriteByte('/')
		b.WriteString(m.Function)
	}
	return b.String()
}
