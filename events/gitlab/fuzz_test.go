package gitlab

import (
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events/webhook/webhooktest"
)

// hookName maps a testdata file name to the X-Gitlab-Event it came with.
func hookName(file string) string {
	switch {
	case strings.HasPrefix(file, "tag_push"):
		return "Tag Push Hook"
	case strings.HasPrefix(file, "push"):
		return "Push Hook"
	case strings.HasPrefix(file, "merge_request"):
		return "Merge Request Hook"
	case strings.HasPrefix(file, "note"):
		return "Note Hook"
	}
	return "Unknown Hook"
}

// FuzzGitLab: a body delivered with the right token never makes Parse
// panic, and whatever Parse returns validates; any other token never gets
// past Verify.
func FuzzGitLab(f *testing.F) {
	webhooktest.FuzzAdapter(f, webhooktest.Adapter{
		Dir: dir, Parse: Parse, Verify: Verify,
		EventHeader: HeaderEvent, CredentialHeader: HeaderToken, Credential: "token",
		Secret: "fuzz-token", EventName: hookName,
		// The token is sent as it is: the secret is the credential.
		Sign:  func(secret string, _ []byte) string { return secret },
		Valid: func(token, secret string, _ []byte) bool { return token == secret },
	})
}
