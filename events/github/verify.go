package github

import (
	"net/http"
	"strings"

	"github.com/codebridge/codebridge/events/webhook"
)

// Header names GitHub sends with every delivery.
const (
	HeaderEvent       = "X-GitHub-Event"
	HeaderDelivery    = "X-GitHub-Delivery"
	HeaderSignature   = "X-Hub-Signature-256"
	headerSignatureV1 = "X-Hub-Signature"
)

// Verify checks the delivery's X-Hub-Signature-256 ("sha256=<hex HMAC>")
// against any of the secrets, in constant time. A delivery signed only with
// the legacy SHA-1 X-Hub-Signature is refused. Errors match
// webhook.ErrUnauthorized.
func Verify(h http.Header, body []byte, secrets []string) error {
	sig := h.Get(HeaderSignature)
	if sig == "" {
		if h.Get(headerSignatureV1) != "" {
			return webhook.Unauthorized("only a SHA-1 signature (" + headerSignatureV1 + "); configure the webhook secret so GitHub sends " + HeaderSignature)
		}
		return webhook.Unauthorized("no " + HeaderSignature + " header")
	}
	hexSig, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return webhook.Unauthorized(HeaderSignature + " does not start with sha256=")
	}
	return webhook.VerifySHA256(body, hexSig, secrets)
}

// Sign returns the X-Hub-Signature-256 value for body under secret, for
// tests and for tools that replay deliveries.
func Sign(secret string, body []byte) string {
	return "sha256=" + webhook.SignSHA256(secret, body)
}
