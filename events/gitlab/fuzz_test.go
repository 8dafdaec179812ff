package gitlab

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

const fuzzToken = "fuzz-token"

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
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, file := range files {
		if strings.HasSuffix(file, ".events.json") {
			continue
		}
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(hookName(filepath.Base(file)), body, "")
		f.Add(hookName(filepath.Base(file)), body, fuzzToken)
		f.Add(hookName(filepath.Base(file)), body, fuzzToken+"x")
	}
	f.Fuzz(func(t *testing.T, event string, body []byte, token string) {
		h := http.Header{}
		h.Set(HeaderEvent, event)
		if token != "" {
			h.Set(HeaderToken, token)
		}
		err := Verify(h, body, []string{fuzzToken})
		if err == nil && h.Get(HeaderToken) != fuzzToken {
			t.Fatalf("Verify accepted token %q", token)
		}
		if err != nil && !errors.Is(err, webhook.ErrUnauthorized) {
			t.Fatalf("Verify error %v is not ErrUnauthorized", err)
		}

		h.Set(HeaderToken, fuzzToken)
		if err := Verify(h, body, []string{fuzzToken}); err != nil {
			t.Fatalf("Verify refused the right token: %v", err)
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
