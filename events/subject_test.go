package events

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

func TestSubject(t *testing.T) {
	tests := []struct {
		typ, subject string
	}{
		{BuildStateChanged, "cb.events.dev.codebridge.build.stateChanged"},
		{"com.example.deploy-finished_v2", "cb.events.com.example.deploy-finished_v2"},
		{"com.example.*", "cb.events.com.example.%2A"},
		{"com.example.>", "cb.events.com.example.%3E"},
		{"com.example.a b", "cb.events.com.example.a%20b"},
		{"com.example.a\tb\nc", "cb.events.com.example.a%09b%0Ac"},
		{"com.example.100%", "cb.events.com.example.100%25"},
		{"com.example..x", "cb.events.com.example.%.x"},
		{".", "cb.events.%.%"},
		{"", "cb.events.%"},
		{"com.exämple", "cb.events.com.ex%C3%A4mple"},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			got := Subject(tt.typ)
			if got != tt.subject {
				t.Errorf("Subject(%q) = %q, want %q", tt.typ, got, tt.subject)
			}
			checkSubject(t, tt.typ, got)
			back, err := TypeFromSubject(got)
			if err != nil || back != tt.typ {
				t.Errorf("TypeFromSubject(%q) = %q, %v; want %q", got, back, err, tt.typ)
			}
		})
	}
}

// checkSubject asserts what makes a subject safe: no wildcard, no
// whitespace, no empty token, and one token per type token.
func checkSubject(t *testing.T, typ, subject string) {
	t.Helper()
	if strings.ContainsAny(subject, "*>") || strings.IndexFunc(subject, unicode.IsSpace) >= 0 {
		t.Errorf("Subject(%q) = %q has a wildcard or whitespace", typ, subject)
	}
	for i := 0; i < len(subject); i++ {
		if subject[i] < 0x21 || subject[i] > 0x7e {
			t.Errorf("Subject(%q) = %q has byte %#x", typ, subject, subject[i])
		}
	}
	tokens := strings.Split(subject, ".")
	if want := 2 + strings.Count(typ, ".") + 1; len(tokens) != want {
		t.Errorf("Subject(%q) = %q has %d tokens, want %d", typ, subject, len(tokens), want)
	}
	for _, tok := range tokens {
		if tok == "" {
			t.Errorf("Subject(%q) = %q has an empty token", typ, subject)
		}
	}
}

func TestTypeFromSubjectRefuses(t *testing.T) {
	for _, s := range []string{
		"",
		"cb.other.x",
		"cb.events.",       // empty token
		"cb.events.a..b",   // empty token
		"cb.events.a.*",    // wildcard
		"cb.events.a.>",    // wildcard
		"cb.events.a b",    // space
		"cb.events.a.%4",   // truncated escape
		"cb.events.a.%zz",  // not hex
		"cb.events.a.%2a",  // lower-case hex: Subject writes upper case
		"cb.events.a.%41",  // escape of a safe byte
		"cb.events.a.%+1",  // sign accepted by a lenient parser
		"cb.events.a.x%",   // '%' alone inside a token
		"cb.events.a.%25%", // trailing '%'
	} {
		if typ, err := TypeFromSubject(s); err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("TypeFromSubject(%q) = %q, %v; want an ErrInvalid", s, typ, err)
		}
	}
}

func TestCatalogueSubjectsAreReadable(t *testing.T) {
	for _, typ := range Types() {
		if s := Subject(typ); s != SubjectPrefix+typ {
			t.Errorf("catalogue type %s maps to %s: it should need no escaping", typ, s)
		}
	}
}
