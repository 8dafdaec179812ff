package webhooktest

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/webhook"
)

// Adapter describes one provider adapter to FuzzAdapter.
type Adapter struct {
	Dir    string    // testdata directory whose payloads seed the corpus
	Parse  ParseFunc // the adapter's Parse
	Verify func(h http.Header, body []byte, secrets []string) error

	EventHeader      string // header naming the event
	DeliveryHeader   string // header carrying the delivery id; empty when none is set
	CredentialHeader string // header carrying the signature or token
	Credential       string // what CredentialHeader carries, for messages: "signature", "token"

	Secret string // the one configured secret
	// Sign returns the CredentialHeader value that authenticates body with
	// secret.
	Sign func(secret string, body []byte) string
	// Valid reports whether cred authenticates body with secret; it is the
	// oracle Verify is checked against.
	Valid func(cred, secret string, body []byte) bool
	// EventName maps a payload file name to its event header value; nil
	// takes the name up to the first dot.
	EventName func(file string) string
}

// Seed is one extra corpus entry.
type Seed struct {
	Event      string
	Body       []byte
	Credential string
}

// FuzzAdapter checks that a body with a valid credential never makes Parse
// panic and that whatever Parse returns validates, and that a body with any
// other credential never gets past Verify. Every payload in a.Dir seeds the
// corpus without a credential, with a valid one and with a wrong one.
func FuzzAdapter(f *testing.F, a Adapter, seeds ...Seed) {
	eventName := a.EventName
	if eventName == nil {
		eventName = func(file string) string {
			event, _, _ := strings.Cut(file, ".")
			return event
		}
	}
	files, _ := filepath.Glob(filepath.Join(a.Dir, "*.json"))
	for _, file := range files {
		if strings.HasSuffix(file, ".events.json") {
			continue
		}
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		event := eventName(filepath.Base(file))
		f.Add(event, body, "")
		f.Add(event, body, a.Sign(a.Secret, body))
		f.Add(event, body, a.Sign(a.Secret+"x", body))
	}
	for _, s := range seeds {
		f.Add(s.Event, s.Body, s.Credential)
	}
	secrets := []string{a.Secret}
	f.Fuzz(func(t *testing.T, event string, body []byte, cred string) {
		h := http.Header{}
		h.Set(a.EventHeader, event)
		if a.DeliveryHeader != "" {
			h.Set(a.DeliveryHeader, "fuzz")
		}
		if cred != "" {
			h.Set(a.CredentialHeader, cred)
		}
		err := a.Verify(h, body, secrets)
		if err == nil && !a.Valid(cred, a.Secret, body) {
			t.Fatalf("Verify accepted %s %q", a.Credential, cred)
		}
		if err != nil && !errors.Is(err, webhook.ErrUnauthorized) {
			t.Fatalf("Verify error %v is not ErrUnauthorized", err)
		}

		h.Set(a.CredentialHeader, a.Sign(a.Secret, body))
		if err := a.Verify(h, body, secrets); err != nil {
			t.Fatalf("Verify refused a valid %s: %v", a.Credential, err)
		}
		evs, err := a.Parse(h, body)
		if err != nil {
			if len(evs) != 0 {
				t.Fatal("events with an error")
			}
			if !errors.Is(err, webhook.ErrIgnored) && !errors.Is(err, webhook.ErrMalformed) && !errors.Is(err, webhook.ErrPing) {
				t.Fatalf("Parse error %v matches no sentinel", err)
			}
			return
		}
		for _, e := range evs {
			if err := events.Validate(e); err != nil {
				t.Fatalf("Parse returned an invalid event: %v", err)
			}
		}
	})
}
