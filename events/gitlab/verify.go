package gitlab

import (
	"net/http"

	"github.com/codebridge/codebridge/events/webhook"
)

// Header names GitLab sends.
const (
	HeaderToken          = "X-Gitlab-Token"
	HeaderEvent          = "X-Gitlab-Event"
	HeaderEventUUID      = "X-Gitlab-Event-UUID"
	HeaderIdempotencyKey = "Idempotency-Key"
)

// Verify checks X-Gitlab-Token against any of the secrets in constant time.
// Errors match webhook.ErrUnauthorized and never include the token.
func Verify(h http.Header, body []byte, secrets []string) error {
	return webhook.VerifyToken(h.Get(HeaderToken), secrets)
}
