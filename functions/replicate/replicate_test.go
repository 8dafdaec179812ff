package replicate

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/natstest"
	"github.com/codebridge/codebridge/internal/testwait"
)

// replicationData decodes the data of a replication event.
func replicationData(t testing.TB, e events.Event) events.ReplicationData {
	t.Helper()
	var d events.ReplicationData
	if err := json.Unmarshal(e.Data(), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// byTarget indexes a result's events by their subject (the target name).
func byTarget(t testing.TB, evs []events.Event) map[string]events.Event {
	t.Helper()
	m := map[string]events.Event{}
	for _, e := range evs {
		if err := events.Validate(e); err != nil {
			t.Errorf("emitted event %s is invalid: %v", e.ID(), err)
		}
		m[e.Subject()] = e
	}
	return m
}

// TestMirrorsEveryKindOfChange pushes, force-pushes, tags and deletes at the
// source; after each replication both targets (file:// and git://) have
// exactly the source's branches and tags.
func TestMirrorsEveryKindOfChange(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	rs := newRepoSet(t)
	f, _ := newTestFunction(t, "mirror", rs.config(), js)

	steps := []struct {
		name     string
		change   func() string // returns the commit the event names
		wantRefs []string      // refs reported as pushed to each target
	}{
		{"push of two branches", func() string {
			rs.commit(t, "feature")
			return rs.commit(t, "main")
		}, []string{"refs/heads/feature", "refs/heads/main"}},
		{"force-push", func() string {
			git(t, rs.work, "reset", "--quiet", "--hard", "HEAD~1")
			return rs.commit(t, "main")
		}, []string{"refs/heads/main"}},
		{"new tag", func() string {
			git(t, rs.work, "tag", "-a", "-m", "release", "v1.0.0")
			git(t, rs.work, "push", "--quiet", "origin", "v1.0.0")
			return strings.TrimSpace(git(t, rs.work, "rev-parse", "HEAD"))
		}, []string{"refs/tags/v1.0.0"}},
		{"branch and tag delete", func() string {
			git(t, rs.work, "push", "--quiet", "origin", ":refs/heads/feature", ":refs/tags/v1.0.0")
			return strings.TrimSpace(git(t, rs.work, "rev-parse", "HEAD"))
		}, []string{"refs/heads/feature", "refs/tags/v1.0.0"}},
	}
	for _, s := range steps {
		commit := s.change()
		ev := refEvent(t, rs.src, "main", commit)
		res, err := invoke(t, f, invocation(ev))
		if err != nil {
			t.Fatalf("%s: Invoke: %v", s.name, err)
		}
		rs.converged(t)
		got := byTarget(t, res.Events)
		for _, name := range []string{"file", "daemon"} {
			e, ok := got[name]
			if !ok {
				t.Fatalf("%s: no event for target %s (got %d events)", s.name, name, len(res.Events))
			}
			if e.Type() != events.ReplicationCompleted {
				t.Errorf("%s: %s event type %s", s.name, name, e.Type())
			}
			if events.Cause(e) != ev.ID() {
				t.Errorf("%s: event cause %q, want %q", s.name, events.Cause(e), ev.ID())
			}
			d := replicationData(t, e)
			if !slices.Equal(slices.Sorted(slices.Values(d.Refs)), s.wantRefs) {
				t.Errorf("%s: %s refs %v, want %v", s.name, name, d.Refs, s.wantRefs)
			}
			if d.TriggerEventID != ev.ID() || d.Repository.CloneURL != rs.src || d.Target == "" {
				t.Errorf("%s: %s data %+v", s.name, name, d)
			}
		}
	}
	// The first push wrote objects and git said how many.
	st, err := Status(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 {
		t.Fatalf("Status has %d entries, want 2: %+v", len(st), st)
	}
	for _, s := range st {
		if !s.InSync() || s.Repository != rs.src || s.Function != "mirror" || s.Refs != 1 {
			t.Errorf("status %+v, want in sync with one ref", s)
		}
	}
}

// TestReportsObjectsAndBytes checks the figures git prints on a push that
// writes objects.
func TestReportsObjectsAndBytes(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	rs := newRepoSet(t)
	f, _ := newTestFunction(t, "mirror", rs.config(), js)
	res, err := invoke(t, f, invocation(refEvent(t, rs.src, "main", rs.commit(t, "main"))))
	if err != nil {
		t.Fatal(err)
	}
	d := replicationData(t, byTarget(t, res.Events)["file"])
	// One commit, one tree, one blob.
	if d.Objects != 3 || d.Bytes <= 0 {
		t.Errorf("objects %d bytes %d, want 3 objects and some bytes", d.Objects, d.Bytes)
	}
}

// TestTargetDownCatchesUp stops the git daemon: the invocation fails
// retryably, the file:// target is updated and is not pushed again on the
// retry, and once the daemon is back the retry brings it up to date.
func TestTargetDownCatchesUp(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	// Capture what the function publishes itself when it fails.
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "EVENTS", Subjects: []string{events.SubjectPrefix + ">"}}); err != nil {
		t.Fatal(err)
	}
	rs := newRepoSet(t)
	gitPath, _ := countingGit(t)
	f, _ := newTestFunction(t, "mirror", rs.config(), js)
	f.gitPath = gitPath

	if _, err := invoke(t, f, invocation(refEvent(t, rs.src, "main", rs.commit(t, "main")))); err != nil {
		t.Fatal(err)
	}
	rs.converged(t)

	rs.daemon.stop()
	inv := invocation(refEvent(t, rs.src, "main", rs.commit(t, "main")))
	_, err := invoke(t, f, inv)
	if err == nil || functions.IsPermanent(err) {
		t.Fatalf("with the daemon down: err = %v, want a retryable error", err)
	}
	if !strings.Contains(err.Error(), "daemon") || strings.Contains(err.Error(), "file:") {
		t.Errorf("error %q should name the failed target only", err)
	}
	want := refs(t, rs.src)
	if !sameRefs(t, want, rs.fileURL()) {
		t.Fatal("the file:// target was not updated while the daemon was down")
	}
	// The failure and the file target's success were published although
	// the invocation failed.
	msgs := streamEvents(t, js, "EVENTS")
	var failed, completed int
	for _, e := range msgs {
		switch {
		case e.Type() == events.ReplicationFailed && e.Subject() == "daemon":
			failed++
			if d := replicationData(t, e); d.Error == "" {
				t.Error("failed event without an error message")
			}
		case e.Type() == events.ReplicationCompleted && e.Subject() == "file":
			completed++
		}
	}
	if failed != 1 || completed != 1 {
		t.Errorf("published %d failed and %d completed events, want 1 and 1", failed, completed)
	}
	st := statusOf(t, js, "daemon")
	if st.InSync() || st.Failures != 1 || st.LastError == "" {
		t.Errorf("daemon status %+v, want one failure", st)
	}

	pushesToFile := func() int {
		return strings.Count(runLog(gitPath), "push --porcelain --prune --progress -- "+rs.fileURL())
	}
	before := pushesToFile()
	inv.Attempt = 2
	if _, err := invoke(t, f, inv); err == nil {
		t.Fatal("retry with the daemon still down succeeded")
	}
	if got := pushesToFile(); got != before {
		t.Errorf("the retry pushed to the up-to-date file:// target again (%d pushes, was %d)", got, before)
	}

	rs.daemon.start()
	inv.Attempt = 3
	res, err := invoke(t, f, inv)
	if err != nil {
		t.Fatalf("retry with the daemon back: %v", err)
	}
	rs.converged(t)
	if got := pushesToFile(); got != before {
		t.Errorf("the last retry pushed to the file:// target again")
	}
	if evs := byTarget(t, res.Events); len(evs) != 1 || evs["daemon"].Type() != events.ReplicationCompleted {
		t.Errorf("retry events %v, want one completed event for the daemon target", res.Events)
	}
	if st := statusOf(t, js, "daemon"); !st.InSync() || st.Failures != 0 {
		t.Errorf("daemon status after catching up %+v", st)
	}
}

func statusOf(t testing.TB, js jetstream.JetStream, target string) TargetStatus {
	t.Helper()
	list, err := Status(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Target == target {
			return s
		}
	}
	t.Fatalf("no status for target %s in %+v", target, list)
	return TargetStatus{}
}

// streamEvents reads every event stored in a stream.
func streamEvents(t testing.TB, js jetstream.JetStream, stream string) []events.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Event
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		e, err := events.FromMsg(natsMsg(m))
		if err != nil {
			t.Fatalf("stored event %d: %v", seq, err)
		}
		out = append(out, e)
	}
	return out
}

// TestBurstCoalesces sends 50 pushes' events while a run is in progress:
// at most two fetches happen and the targets end up with the last state.
func TestBurstCoalesces(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	rs := newRepoSet(t)
	gitPath, count := countingGit(t)
	f, _ := newTestFunction(t, "mirror", rs.config(), js)
	f.gitPath = gitPath
	// Create the mirror first, so that the burst's fetches are what is counted.
	if _, err := invoke(t, f, invocation(refEvent(t, rs.src, "main", rs.commit(t, "main")))); err != nil {
		t.Fatal(err)
	}
	fetchesBefore := count("fetch")
	g := installGate(t, rs.fileDst)

	const burst = 50
	errs := make(chan error, burst)
	var returned sync.WaitGroup
	fire := func(commit string) {
		inv := invocation(refEvent(t, rs.src, "main", commit))
		returned.Add(1)
		go func() {
			defer returned.Done()
			_, err := invoke(t, f, inv)
			errs <- err
		}()
	}
	fire(rs.commit(t, "main"))
	testwait.For(t, 20*time.Second, "the first run reaches the target", g.started)
	// More pushes land while the first run is held, then their events
	// arrive at once.
	commit := rs.commit(t, "main")
	rs.commit(t, "feature")
	for range burst - 1 {
		fire(commit)
	}
	// The 49 coalesced invocations return while the first is held.
	testwait.For(t, 20*time.Second, "coalesced invocations return", func() bool { return len(errs) == burst-1 })
	g.release()
	returned.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("invocation: %v", err)
		}
	}
	if n := count("fetch") - fetchesBefore; n < 1 || n > 2 {
		t.Errorf("a burst of %d events cost %d fetches, want at most 2", burst, n)
	}
	rs.converged(t)
}

// TestLockAcrossWorkers runs two function instances with their own mirrors
// (two workers) on one JetStream: while one replicates a source, the
// other's invocation for it runs no git and the first runs once more.
func TestLockAcrossWorkers(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	rs := newRepoSet(t)
	gitA, countA := countingGit(t)
	gitB, countB := countingGit(t)
	a, _ := newTestFunction(t, "mirror", rs.config(), js)
	b, _ := newTestFunction(t, "mirror", rs.config(), js)
	a.gitPath, b.gitPath = gitA, gitB
	g := installGate(t, rs.fileDst)

	done := make(chan error, 1)
	go func() {
		_, err := invoke(t, a, invocation(refEvent(t, rs.src, "main", rs.commit(t, "main"))))
		done <- err
	}()
	testwait.For(t, 20*time.Second, "worker A reaches the target", g.started)
	commit := rs.commit(t, "main")
	if _, err := invoke(t, b, invocation(refEvent(t, rs.src, "main", commit))); err != nil {
		t.Fatalf("worker B: %v", err)
	}
	if log := runLog(gitB); log != "" {
		t.Errorf("worker B ran git while A held the lock:\n%s", log)
	}
	g.release()
	if err := <-done; err != nil {
		t.Fatalf("worker A: %v", err)
	}
	if n := countA("fetch"); n != 2 {
		t.Errorf("worker A fetched %d times, want 2 (its run and the follow-up for B's event)", n)
	}
	rs.converged(t)

	// With the lock free, B runs itself.
	if _, err := invoke(t, b, invocation(refEvent(t, rs.src, "main", rs.commit(t, "main")))); err != nil {
		t.Fatal(err)
	}
	if countB("fetch") != 1 {
		t.Errorf("worker B did not run once the lock was free:\n%s", runLog(gitB))
	}
	rs.converged(t)
}

// TestDeadHolder leaves a lock as a crashed worker would: a waiter returns
// a retry-after error once the lock is stale, and the retry converges after
// the lock expires.
func TestDeadHolder(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	rs := newRepoSet(t)
	f, _ := newTestFunction(t, "mirror", rs.config(), js)
	f.lockTTL = 2 * time.Second
	ctx := context.Background()
	locks, _, err := f.stores(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := parseRepoURL(rs.src)
	key := "lock." + digest(f.name, src.key)
	if _, err := locks.Create(ctx, key, []byte(`{"owner":"dead-worker","invocation":"someone-else"}`)); err != nil {
		t.Fatal(err)
	}
	inv := invocation(refEvent(t, rs.src, "main", rs.commit(t, "main")))
	testwait.For(t, 10*time.Second, "the lock looks stale", func() bool {
		_, age, held, err := readLock(ctx, locks, key)
		return err == nil && held && age > f.lockTTL/2
	})
	_, err = invoke(t, f, inv)
	wait, ok := functions.RetryDelay(err)
	if !ok || wait <= 0 || wait > f.lockTTL+time.Second {
		t.Fatalf("Invoke with a stale lock: %v, want a retry-after of at most the TTL", err)
	}
	// The engine retries; once the bucket's TTL removed the lock, it runs.
	testwait.For(t, 20*time.Second, "a retry replicates", func() bool {
		_, err := invoke(t, f, inv)
		return err == nil
	})
	rs.converged(t)
}

// TestSourceChecks refuses events without a usable source permanently and
// skips repositories outside the allow-list.
func TestSourceChecks(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	rs := newRepoSet(t)
	c := rs.config()
	c.Repositories = []string{"acme/*"}
	gitPath, _ := countingGit(t)
	f, _ := newTestFunction(t, "mirror", c, js)
	f.gitPath = gitPath

	noRepo, err := events.New("com.example.other", "/x", map[string]any{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		event     events.Event
		permanent bool
	}{
		{"no repository", noRepo, true},
		{"option injection", refEvent(t, "--upload-pack=touch /tmp/pwned", "main", "abc"), true},
		{"remote helper", refEvent(t, "ext::sh -c touch% /tmp/pwned", "main", "abc"), true},
		{"relative path", refEvent(t, "src.git", "main", "abc"), true},
		{"scp-like", refEvent(t, "git@example.com:acme/app.git", "main", "abc"), true},
		{"ssh host option", refEvent(t, "ssh://-oProxyCommand=touch/x", "main", "abc"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := invoke(t, f, invocation(tc.event))
			if err == nil || functions.IsPermanent(err) != tc.permanent || !errors.Is(err, ErrNoSource) {
				t.Errorf("err = %v, want a permanent ErrNoSource", err)
			}
		})
	}
	other, err := events.New(events.ReferenceCreated, "/x", events.ReferenceData{
		Repository:        events.Repository{Name: "other", FullName: "elsewhere/other", CloneURL: rs.src},
		ReferenceFullName: "refs/heads/main", ReferenceType: "branch", CommitID: "abc",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := invoke(t, f, invocation(other)); err != nil || len(res.Events) != 0 {
		t.Errorf("repository outside the allow-list: %v, %d events; want a silent skip", err, len(res.Events))
	}
	if log := runLog(gitPath); log != "" {
		t.Errorf("git ran for refused events:\n%s", log)
	}
}

// TestSourceUnusable: a source that cannot be fetched fails every target
// retryably (and says so per target); an empty source is refused for good,
// since pruning would empty the targets.
func TestSourceUnusable(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "EVENTS", Subjects: []string{events.SubjectPrefix + ">"}}); err != nil {
		t.Fatal(err)
	}
	rs, c := conformanceSource(t)
	f, _ := newTestFunction(t, "mirror", c, js)

	_, err := invoke(t, f, invocation(refEvent(t, rs.dir+"/missing.git", "main", "abc")))
	if err == nil || functions.IsPermanent(err) || !strings.Contains(err.Error(), "fetch") {
		t.Fatalf("missing source: %v, want a retryable fetch error", err)
	}
	evs := streamEvents(t, js, "EVENTS")
	if len(evs) != 1 || evs[0].Type() != events.ReplicationFailed || evs[0].Subject() != "file" {
		t.Errorf("published %d events (%v), want one failed event for the target", len(evs), evs)
	}
	if st := statusOf(t, js, "file"); st.LastError == "" {
		t.Errorf("status %+v, want the fetch error", st)
	}

	if _, err := invoke(t, f, invocation(refEvent(t, rs.src, "main", "abc"))); err != nil {
		t.Fatal(err)
	}
	empty := rs.dir + "/empty.git"
	git(t, rs.dir, "init", "--quiet", "--bare", empty)
	before := refs(t, rs.fileURL())
	if len(before) == 0 {
		t.Fatal("the target was not filled")
	}
	_, err = invoke(t, f, invocation(refEvent(t, empty, "main", "abc")))
	if !errors.Is(err, ErrEmptySource) || !functions.IsPermanent(err) {
		t.Fatalf("empty source: %v, want a permanent ErrEmptySource", err)
	}
	if !sameRefs(t, before, rs.fileURL()) {
		t.Error("the target changed after an empty source")
	}
}
