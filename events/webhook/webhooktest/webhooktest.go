// Package webhooktest runs the tests that every webhook adapter shares: the
// golden-file test (each payload in a testdata directory is parsed, the
// events are compared with <name>.events.json, and -update rewrites those
// files), the fuzz target over Verify and Parse, and the table of
// deliveries Parse must refuse.
package webhooktest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
)

var update = flag.Bool("update", false, "rewrite the golden <name>.events.json files from what Parse produces")

// Case is one payload file and what parsing it must give.
type Case struct {
	Name   string      // file name in the directory, without .json
	Header http.Header // the delivery's headers
	Err    error       // the sentinel Parse must return; nil when it yields events
	Types  []string    // the event types Parse must yield, in order
}

// ParseFunc is an adapter's Parse.
type ParseFunc func(h http.Header, body []byte) ([]events.Event, error)

// Golden parses every case's payload from dir and compares the events with
// the golden file next to it. Every payload file in dir must have a case.
func Golden(t *testing.T, dir string, cases []Case, parse ParseFunc) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, c := range cases {
		named[c.Name] = true
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if !strings.HasSuffix(name, ".events") && !named[name] {
			t.Errorf("payload %s has no test case", f)
		}
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, c.Name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			evs, err := parse(c.Header, body)
			switch {
			case c.Err != nil && !errors.Is(err, c.Err):
				t.Fatalf("Parse: %v, want %v", err, c.Err)
			case c.Err == nil && err != nil:
				t.Fatalf("Parse: %v", err)
			case err != nil && len(evs) != 0:
				t.Fatalf("Parse returned %d events with error %v", len(evs), err)
			}
			var types []string
			for _, e := range evs {
				types = append(types, e.Type())
				if err := events.Validate(e); err != nil {
					t.Errorf("event %s does not validate: %v", e.ID(), err)
				}
			}
			if !slices.Equal(types, c.Types) {
				t.Errorf("types %v, want %v", types, c.Types)
			}
			got := Render(t, evs)
			again, _ := parse(c.Header, body)
			if !bytes.Equal(Render(t, again), got) {
				t.Error("Parse is not deterministic")
			}
			golden := filepath.Join(dir, c.Name+".events.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run the test with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("events differ from %s (run with -update if the change is intended)\n got: %s\nwant: %s", golden, got, want)
			}
		})
	}
}

// Render writes events as an indented JSON array of structured-mode
// CloudEvents, the golden file format.
func Render(t testing.TB, evs []events.Event) []byte {
	t.Helper()
	raw := make([]json.RawMessage, 0, len(evs))
	for _, e := range evs {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}
