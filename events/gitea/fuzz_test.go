package gitea

import (
	"crypto/hmac"
	"encoding/hex"
	"testing"

	"github.com/codebridge/codebridge/events/webhook/webhooktest"
)

// FuzzGitea: a body with a valid signature never makes Parse panic, and
// whatever Parse returns validates; a body with any other signature never
// gets past Verify.
func FuzzGitea(f *testing.F) {
	webhooktest.FuzzAdapter(f, webhooktest.Adapter{
		Dir: dir, Parse: Parse, Verify: Verify,
		EventHeader: HeaderEventType, DeliveryHeader: HeaderDelivery,
		CredentialHeader: HeaderSignature, Credential: "signature",
		Secret: "fuzz-secret", Sign: Sign, Valid: signedBy,
	}, webhooktest.Seed{Event: "pull_request_sync", Body: []byte(`{"action":"synchronized","pull_request":{"head":null}}`), Credential: "00"})
}

func signedBy(sig, secret string, body []byte) bool {
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(Sign(secret, body))
	return hmac.Equal(got, want)
}
