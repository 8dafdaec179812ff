package build

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

func TestReaperMarksLostBuildFailed(t *testing.T) {
	e := startEnv(t)
	f := newFunction(t, e, "heartbeatInterval: 100ms")
	st, err := f.store(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old := time.Now().Add(-time.Hour).UTC()
	stale := &Record{ID: "app-41", Number: 41, Project: "app", Status: StatusInProgress, StartTime: old, Heartbeat: old,
		Worker: "dead/1", TriggerEventID: "evt-1", TriggerHops: 2, Context: map[string]any{"pr": "9"},
		Phases: nil}
	fresh := &Record{ID: "app-42", Number: 42, Project: "app", Status: StatusInProgress, StartTime: time.Now().UTC(), Heartbeat: time.Now().Add(time.Hour).UTC()}
	for _, r := range []*Record{stale, fresh} {
		if _, err := st.create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, 10*time.Second, "the stale build to be reaped", func() bool {
		r, _, err := st.get(ctx, "app-41")
		return err == nil && r.Status == StatusFailed
	})
	r, _, _ := st.get(ctx, "app-41")
	if r.Message != "worker lost" || !r.Abandoned || r.EndTime.IsZero() {
		t.Errorf("reaped record = %+v", r)
	}
	if r, _, _ := st.get(ctx, "app-42"); r.Status != StatusInProgress {
		t.Errorf("a live build was reaped: %+v", r)
	}
	testwait.For(t, 5*time.Second, "the reaped build's event", func() bool { return len(e.published("app-41")) == 1 })
	ev := e.published("app-41")[0]
	var d events.BuildStateData
	json.Unmarshal(ev.Data(), &d)
	if d.Status != StatusFailed || d.Message != "worker lost" || events.Cause(ev) != "evt-1" || events.Hops(ev) != 3 || events.Context(ev)["pr"] != "9" {
		t.Errorf("event = %+v hops %d", d, events.Hops(ev))
	}
	// Reaping again changes nothing.
	if n, err := f.reap(ctx, st, time.Now()); err != nil || n != 0 {
		t.Errorf("second reap = %d, %v", n, err)
	}
}

func TestSupersededBuildStops(t *testing.T) {
	e := startEnv(t)
	f := newFunction(t, e, "cancelSuperseded: true")
	r := newRepo(t)
	spec := map[string]string{"buildspec.yml": "version: 0.2\nphases:\n  build:\n    commands: ['echo running $CODEBRIDGE_RESOLVED_SOURCE_VERSION; if [ \"$CODEBRIDGE_BUILD_NUMBER\" = 1 ]; then sleep 300; fi']\n"}
	c1 := r.commit("one", spec)
	done := make(chan functions.Result, 1)
	go func() {
		res, err := f.Invoke(context.Background(), invocation(prEvent(t, r, "12", "feature", "t", c1)))
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	testwait.For(t, 10*time.Second, "the build to log running "+c1, func() bool { return strings.Contains(logOfQuiet(f, "app-1"), "running "+c1) })
	// Another pull request does not supersede it.
	other, err := f.Invoke(context.Background(), invocation(prEvent(t, r, "13", "other", "t", c1)))
	if err != nil || finalData(t, other).Status != StatusSucceeded {
		t.Fatalf("other PR: %v", err)
	}
	select {
	case <-done:
		t.Fatal("a build of another pull request stopped the first")
	default:
	}
	c2 := r.commit("two", nil)
	res2, err := f.Invoke(context.Background(), invocation(prEvent(t, r, "12", "feature", "t", c2)))
	if err != nil || finalData(t, res2).Status != StatusSucceeded {
		t.Fatalf("newer build: %v", err)
	}
	d := finalData(t, <-done)
	if d.Status != StatusStopped || d.Message != "superseded by "+c2 {
		t.Errorf("older build = %s %q", d.Status, d.Message)
	}
}

func TestInvokeErrors(t *testing.T) {
	ctx := context.Background()
	noJS := newFunction(t, nil, "")
	inv := invocation(pushEvent(t, newRepo(t), "main", strings.Repeat("a", 40)))
	if _, err := noJS.Invoke(ctx, inv); !functions.IsPermanent(err) || !errors.Is(err, ErrNoJetStream) {
		t.Errorf("no JetStream: %v", err)
	}
	f := newFunction(t, startEnv(t), "")
	ping, _ := events.New("com.example.ping", "/x", map[string]int{"n": 1})
	if _, err := f.Invoke(ctx, invocation(ping)); !functions.IsPermanent(err) || !errors.Is(err, ErrNoSource) {
		t.Errorf("non-repository event: %v", err)
	}
	// A repository that cannot be cloned is retryable, and the record says why.
	bad := invocation(pushEvent(t, &repo{dir: "/nonexistent/repo.git"}, "main", strings.Repeat("b", 40)))
	_, err := f.Invoke(ctx, bad)
	if err == nil || functions.IsPermanent(err) || !strings.Contains(err.Error(), "checkout") {
		t.Errorf("bad repository: %v", err)
	}
}

func TestSourceOf(t *testing.T) {
	r := &repo{dir: "/srv/app.git"}
	commit := strings.Repeat("c", 40)
	tests := []struct {
		name string
		ev   events.Event
		want Source
		err  string
	}{
		{name: "push", ev: pushEvent(t, r, "main", commit), want: Source{Event: "PUSH", Trigger: "branch/main", Branch: "main", HeadRef: "refs/heads/main", CommitID: commit, Initiator: "alice"}},
		{name: "pr", ev: prEvent(t, r, "7", "feat", "Fix it", commit), want: Source{Event: "PULL_REQUEST_CREATED", Trigger: "pr/7", Branch: "feat", HeadRef: "refs/heads/feat", BaseRef: "refs/heads/main", CommitID: commit, PullRequestID: "7", Title: "Fix it", Initiator: "mallory"}},
		{name: "bad commit", ev: pushEvent(t, r, "main", "--upload-pack=evil"), err: "is not a hexadecimal object name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sourceOf(tt.ev, Config{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Repository = events.Repository{}
			if got != tt.want {
				t.Errorf("source = %+v\nwant %+v", got, tt.want)
			}
		})
	}
	s, err := sourceOf(mustEvent(t), Config{Repository: "/srv/git/app.git", Branch: "trunk"})
	if err != nil || s.Repository.Name != "app" || s.Branch != "trunk" || s.CommitID != "" {
		t.Errorf("scheduled source = %+v, %v", s, err)
	}
}

func mustEvent(t *testing.T) events.Event {
	e, err := events.New("com.example.schedule", "/schedule", map[string]int{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestConfigValidate(t *testing.T) {
	tests := []struct{ cfg, want string }{
		{"buildspec: ../x.yml", "buildspec: must be a path inside the repository"},
		{"environment: {'A-B': x}", "environment.A-B: is not a variable name"},
		{"environment: {CODEBRIDGE_X: x}", "environment.CODEBRIDGE_X: names starting with CODEBRIDGE_ are reserved"},
		{"publicURL: ftp://x", "publicURL: must be an http(s) URL"},
		{"project: 'a b'", "project: use letters"},
		{"timeout: soon", "invalid duration"},
		{"unknown: 1", "field unknown not found"},
		{"repository: --upload-pack=x", "repository: must be a URL or path"},
	}
	for _, tt := range tests {
		decode := func(v any) error { return yamlDecode(tt.cfg, v) }
		_, err := New("ci", decode, functions.Deps{DataDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}
