package engine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/engine/poll"
	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestPollSourceThroughTheBus: a configured poll source sees pushes to a real
// bare repository, and the events reach a rule's function.
func TestPollSourceThroughTheBus(t *testing.T) {
	dir := t.TempDir()
	bare, work := filepath.Join(dir, "app.git"), filepath.Join(dir, "work")
	gitIn(t, dir, "init", "-q", "--bare", "-b", "main", bare)
	gitIn(t, dir, "clone", "-q", bare, work)
	if err := os.WriteFile(filepath.Join(work, "a"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, work, "add", ".")
	gitIn(t, work, "commit", "-q", "-m", "one")
	gitIn(t, work, "push", "-q", "origin", "main")

	var rec recorder
	b := install(t, "sink", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		rec.add(inv)
		return functions.Result{}, nil
	})
	h := startEngine(t, `
sources:
  poll: [ { repository: "`+bare+`", interval: 100ms } ]
functions:
  sink: { type: testfn, behaviour: "`+b+`" }
rules:
  - name: tags
    match: event.type == "dev.codebridge.repository.referenceCreated" && event.data.referenceType == "tag"
    targets: [ { function: sink } ]
`, nil)
	// Once the poller has its baseline (its KV key exists), push a tag.
	testwait.For(t, 20*time.Second, "poll baseline", func() bool {
		kv, err := h.eng.JetStream().KeyValue(context.Background(), poll.Bucket)
		if err != nil {
			return false
		}
		keys, err := kv.ListKeys(context.Background())
		if err != nil {
			return false
		}
		n := 0
		for range keys.Keys() {
			n++
		}
		return n == 1
	})
	gitIn(t, work, "tag", "v1.0")
	gitIn(t, work, "push", "-q", "origin", "v1.0")
	testwait.For(t, 20*time.Second, "the tag event routed", func() bool { return rec.len() == 1 })
	e := rec.all()[0].Event
	if e.Subject() != "refs/tags/v1.0" {
		t.Errorf("event subject %q", e.Subject())
	}
	d, _ := events.DecodeData(e)
	if rd := d.(*events.ReferenceData); rd.CommitID != gitIn(t, work, "rev-parse", "HEAD") {
		t.Errorf("tag commit %s", rd.CommitID)
	}
}
