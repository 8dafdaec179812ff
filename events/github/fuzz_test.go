package github

import (
	"crypto/hmac"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events/webhook"
	"github.com/codebridge/codebridge/events/webhook/webhooktest"
)

// FuzzGitHub: a body with a valid signature never makes Parse panic, and
// whatever Parse returns validates; a body with any other signature never
// gets past Verify.
func FuzzGitHub(f *testing.F) {
	webhooktest.FuzzAdapter(f, webhooktest.Adapter{
		Dir: dir, Parse: Parse, Verify: Verify,
		EventHeader: HeaderEvent, DeliveryHeader: HeaderDelivery,
		CredentialHeader: HeaderSignature, Credential: "signature",
		Secret: "fuzz-secret", Sign: Sign, Valid: signedBy,
	}, webhooktest.Seed{Event: "push", Body: []byte(`{"ref":"refs/heads/x","before":"0","after":"1"}`), Credential: "sha256=00"})
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
