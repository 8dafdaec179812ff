package webhooktest

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// Refusal is a delivery Parse must refuse.
type Refusal struct {
	Name   string
	Header http.Header
	Body   string
	Want   error // the sentinel the error must match
}

// Refuses checks that parse returns no events and an error matching each
// case's sentinel.
func Refuses(t *testing.T, parse ParseFunc, cases []Refusal) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			evs, err := parse(c.Header, []byte(c.Body))
			if !errors.Is(err, c.Want) || evs != nil {
				t.Fatalf("Parse = %d events, %v; want %v", len(evs), err, c.Want)
			}
		})
	}
}

// Read returns the payload dir/name.json.
func Read(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
