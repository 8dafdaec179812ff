package poll

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/internal/natstest"
)

// recordingPublisher keeps events in order; it is the event stream as far as
// the poller can tell.
type recordingPublisher struct {
	mu  sync.Mutex
	evs []events.Event
}

func (r *recordingPublisher) Publish(_ context.Context, e events.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, e)
	return nil
}

func (r *recordingPublisher) take() []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

func git(t *testing.T, dir string, args ...string) string {
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

// repos makes a bare repository and a clone to push from.
func repos(t *testing.T) (bare, work string) {
	t.Helper()
	dir := t.TempDir()
	bare, work = filepath.Join(dir, "app.git"), filepath.Join(dir, "work")
	git(t, dir, "init", "-q", "--bare", "-b", "main", bare)
	git(t, dir, "clone", "-q", bare, work)
	return bare, work
}

func commit(t *testing.T, work, msg string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(work, "f.txt"), []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", msg)
	return git(t, work, "rev-parse", "HEAD")
}

type seen struct{ typ, ref string }

func summary(evs []events.Event) []seen {
	var out []seen
	for _, e := range evs {
		out = append(out, seen{e.Type(), e.Subject()})
	}
	return out
}

func equal(a, b []seen) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPollDiffsAndSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	js := natstest.Start(t).JS
	kv, err := OpenBucket(ctx, js, 1)
	if err != nil {
		t.Fatal(err)
	}
	bare, work := repos(t)
	c1 := commit(t, work, "one")
	git(t, work, "push", "-q", "origin", "main")

	pub := &recordingPublisher{}
	p := New(Config{Repository: bare}, kv, pub, zerolog.Nop())
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if evs := pub.take(); len(evs) != 0 {
		t.Fatalf("baseline emitted %v", summary(evs))
	}

	// Update main, add a branch and a tag.
	c2 := commit(t, work, "two")
	git(t, work, "push", "-q", "origin", "main")
	git(t, work, "push", "-q", "origin", "main:refs/heads/feature")
	git(t, work, "tag", "-a", "-m", "v1", "v1.0")
	git(t, work, "push", "-q", "origin", "v1.0")
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	evs := pub.take()
	want := []seen{
		{events.ReferenceCreated, "refs/heads/feature"},
		{events.ReferenceUpdated, "refs/heads/main"},
		{events.ReferenceCreated, "refs/tags/v1.0"},
	}
	if !equal(summary(evs), want) {
		t.Fatalf("events %v, want %v", summary(evs), want)
	}
	d, _ := events.DecodeData(evs[1])
	if rd := d.(*events.ReferenceData); rd.OldCommitID != c1 || rd.CommitID != c2 || rd.Repository.Name != "app" {
		t.Errorf("update data %+v", rd)
	}
	d, _ = events.DecodeData(evs[2])
	if rd := d.(*events.ReferenceData); rd.CommitID != c2 {
		t.Errorf("annotated tag must be peeled to the commit %s, got %s", c2, rd.CommitID)
	}

	// "Restart": a new poller on the same bucket emits nothing twice...
	p2 := New(Config{Repository: bare}, kv, pub, zerolog.Nop())
	if err := p2.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if evs := pub.take(); len(evs) != 0 {
		t.Fatalf("restart emitted %v again", summary(evs))
	}
	// ...and misses nothing that changed while it was down.
	git(t, work, "push", "-q", "origin", "--delete", "feature")
	if err := p2.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := summary(pub.take()); !equal(got, []seen{{events.ReferenceDeleted, "refs/heads/feature"}}) {
		t.Errorf("after restart: %v", got)
	}
}

func TestPollFiltersAndRedactsErrors(t *testing.T) {
	ctx := context.Background()
	js := natstest.Start(t).JS
	kv, _ := OpenBucket(ctx, js, 1)
	bare, work := repos(t)
	commit(t, work, "one")
	git(t, work, "push", "-q", "origin", "main")
	pub := &recordingPublisher{}
	p := New(Config{Repository: bare, Branches: []string{"release/*"}, Tags: []string{"none"}}, kv, pub, zerolog.Nop())
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	git(t, work, "push", "-q", "origin", "main:refs/heads/release/1")
	git(t, work, "push", "-q", "origin", "main:refs/heads/other")
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := summary(pub.take()); !equal(got, []seen{{events.ReferenceCreated, "refs/heads/release/1"}}) {
		t.Errorf("filtered events %v", got)
	}

	bad := New(Config{Repository: "https://user:s3cret@127.0.0.1:1/nope.git"}, kv, pub, zerolog.Nop())
	err := bad.Poll(ctx)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %v: want a failure without the password", err)
	}
}
