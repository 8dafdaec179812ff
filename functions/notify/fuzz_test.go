package notify

import (
	"encoding/json"
	"strings"
	"testing"
)

func FuzzParseInput(f *testing.F) {
	for _, s := range []string{``, `"body"`, `{"to": ["a@example.com"]}`, `{"to": "a@b.c", "title": 1}`, `{"specversion": "1.0"}`, `[1]`, `{"to": [null]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := parseInput(json.RawMessage(s))
		if err != nil {
			return
		}
		for _, a := range o.To {
			if a == nil || !strings.Contains(a.Address, "@") || strings.ContainsAny(a.Address, "\r\n") {
				t.Fatalf("accepted a bad recipient %#v from %q", a, s)
			}
		}
	})
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"1/s", "30/m", "3/10s", "x", "1e308/ns", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseRate(s)
		if err == nil && !(r > 0) {
			t.Fatalf("%q parsed to non-positive rate %v", s, r)
		}
	})
}
