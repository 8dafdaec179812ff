package github

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/webhook"
)

const fuzzSecret = "fuzz-secret"

// FuzzGitHub: a body with a valid signature never makes Parse panic, and
// whatever Parse returns validates; a body with any other signature never
// gets past Verify.
func FuzzGitHub(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, file := range files {
		if strings.HasSuffix(file, ".events.json") {
			continue
		}
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		event, _, _ := strings.Cut(filepath.Base(file), ".")
		f.Add(event, body, "")
		f.Add(event, body, Sign(fuzzSecret, body))
		f.Add(event, body, Sign("another-secret", body))
	}
	f.Add("push", []byte(`{"ref":"refs/heads/x","before":"0","after":"1"}`), "sha256=00")
	f.Fuzz(func(t *testing.T, event string, body []byte, signature string) {
		h := http.Header{}
		h.Set(HeaderEvent, event)
		h.Set(HeaderDelivery, "fuzz")
		if signature != "" {
			h.Set(HeaderSignature, signature)
		}
		err := Verify(h, body, []string{fuzzSecret})
		if err == nil && !signedBy(signature, fuzzSecret, body) {
			t.Fatalf("Verify accepted signature %q", signature)
		}
		if err != nil && !errors.Is(err, webhook.ErrUnauthorized) {
			t.Fatalf("Verify error %v is not ErrUnauthorized", err)
		}

		h.Set(HeaderSignature, Sign(fuzzSecret, body))
		if err := Verify(h, body, []string{fuzzSecret}); err != nil {
			t.Fatalf("Verify refused a valid signature: %v", err)
		}
		evs, err := Parse(h, body)
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

func signedBy(header, secret string, body []byte) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(webhook.SignSHA256(secret, body))
	return hmac.Equal(got, want)
}
