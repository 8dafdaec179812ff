package gitea

import (
	"net/http"

	"github.com/codebridge/codebridge/events/webhook"
)

// Header names. Forgejo sends both its own and the Gitea names.
const (
	HeaderSignature        = "X-Gitea-Signature"
	HeaderForgejoSignature = "X-Forgejo-Signature"
	HeaderEvent            = "X-Gitea-Event"
	HeaderForgejoEvent     = "X-Forgejo-Event"
	HeaderEventType        = "X-Gitea-Event-Type"
	HeaderForgejoEventType = "X-Forgejo-Event-Type"
	HeaderDelivery         = "X-Gitea-Delivery"
	HeaderForgejoDelivery  = "X-Forgejo-Delivery"
)

// Verify checks the delivery's signature (X-Forgejo-Signature or
// X-Gitea-Signature, bare hex HMAC-SHA256 of the body) against any of the
// secrets, in constant time. Errors match webhook.ErrUnauthorized.
func Verify(h http.Header, body []byte, secrets []string) error {
	var last error = webhook.Unauthorized("no " + HeaderSignature + " or " + HeaderForgejoSignature + " header")
	for _, name := range []string{HeaderForgejoSignature, HeaderSignature} {
		sig := h.Get(name)
		if sig == "" {
			continue
		}
		err := webhook.VerifySHA256(body, sig, secrets)
		if err == nil {
			return nil
		}
		last = err
	}
	return last
}

// Sign returns the X-Gitea-Signature value for body under secret.
func Sign(secret string, body []byte) string { return webhook.SignSHA256(secret, body) }

// first returns the first non-empty header among names.
func first(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}
