package build

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/natstest"
)

// env is one test's NATS server, with a stream for the events builds emit
// and a recorder of them.
type env struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	mu  sync.Mutex
	evs []events.Event
}

func startEnv(t testing.TB) *env {
	t.Helper()
	ns := natstest.Start(t)
	nc, js := ns.NC, ns.JS
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "CB_EVENTS", Subjects: []string{events.SubjectPrefix + ">"}}); err != nil {
		t.Fatal(err)
	}
	e := &env{nc: nc, js: js}
	sub, err := nc.Subscribe(events.SubjectPrefix+">", func(m *nats.Msg) {
		ev, err := events.FromMsg(m)
		if err != nil {
			t.Errorf("published event does not decode: %v", err)
			return
		}
		e.mu.Lock()
		e.evs = append(e.evs, ev)
		e.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	return e
}

// published returns the events seen so far for build id.
func (e *env) published(id string) []events.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []events.Event
	for _, ev := range e.evs {
		if ev.Subject() == id {
			out = append(out, ev)
		}
	}
	return out
}

// newFunction builds a build function from a YAML config block.
func newFunction(t testing.TB, e *env, cfg string) *Function {
	t.Helper()
	decode := func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(cfg))
		dec.KnownFields(true)
		if err := dec.Decode(v); err != nil && err.Error() != "EOF" {
			return err
		}
		return nil
	}
	deps := functions.Deps{Logger: zerolog.Nop(), DataDir: t.TempDir(), Secrets: []string{"config-secret-value"}}
	if e != nil {
		deps.NATS, deps.JetStream = e.nc, e.js
	}
	fn, err := New("ci", decode, deps)
	if err != nil {
		t.Fatal(err)
	}
	f := fn.(*Function)
	t.Cleanup(func() { f.Close() })
	return f
}

// repo is a real git repository in a temp dir.
type repo struct {
	t   testing.TB
	dir string
}

func runGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func newRepo(t testing.TB) *repo {
	t.Helper()
	r := &repo{t: t, dir: t.TempDir()}
	runGit(t, r.dir, "init", "--quiet", "-b", "main")
	return r
}

// commit writes files and commits them with msg on the current branch,
// returning the commit id.
func (r *repo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	for name, body := range files {
		p := filepath.Join(r.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	runGit(r.t, r.dir, "add", "-A")
	runGit(r.t, r.dir, "commit", "--quiet", "--allow-empty", "-m", msg)
	return runGit(r.t, r.dir, "rev-parse", "HEAD")
}

func pushEvent(t testing.TB, r *repo, branch, commit string) events.Event {
	t.Helper()
	e, err := events.New(events.ReferenceUpdated, "/repos/app", &events.ReferenceData{
		Repository:        events.Repository{Name: "app", FullName: "acme/app", CloneURL: r.dir, Provider: "git"},
		ReferenceFullName: "refs/heads/" + branch, ReferenceName: branch, ReferenceType: events.ReferenceTypeBranch,
		CommitID: commit, Pusher: "alice",
	}, events.WithSubject("refs/heads/"+branch))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func prEvent(t testing.TB, r *repo, prID, branch, title, commit string) events.Event {
	t.Helper()
	e, err := events.New(events.PullRequestCreated, "/repos/app", &events.PullRequestData{
		Repository:    events.Repository{Name: "app", FullName: "acme/app", CloneURL: r.dir, Provider: "git"},
		PullRequestID: prID, Title: title, Author: "mallory", SourceReference: "refs/heads/" + branch,
		DestinationReference: "refs/heads/main", SourceCommit: commit, Status: "OPEN",
	}, events.WithSubject(prID))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func invocation(e events.Event) functions.Invocation {
	return functions.Invocation{
		ID: "inv-" + e.ID(), Attempt: 1, Rule: "ci-on-push", Function: "ci", Event: e,
		Context: map[string]any{"pr": "7"},
	}
}

// finalData decodes the final build.stateChanged of a result.
func finalData(t testing.TB, res functions.Result) *events.BuildStateData {
	t.Helper()
	if len(res.Events) != 1 || res.Events[0].Type() != events.BuildStateChanged {
		t.Fatalf("result events = %v", res.Events)
	}
	var d events.BuildStateData
	if err := json.Unmarshal(res.Events[0].Data(), &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// logOf reads a build's stored log.
func logOf(t testing.TB, f *Function, id string) string {
	t.Helper()
	st, err := f.store(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := st.readLogs(context.Background(), id, false, nil, func(l string) error {
		b.WriteString(l + "\n")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// server mounts the function's routes on an httptest server.
func httpServer(t testing.TB, f *Function) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for _, r := range f.HTTPRoutes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

const passingSpec = `version: 0.2
env:
  variables: {GREETING: hello}
  exported-variables: [VERSION]
phases:
  install:
    commands:
      - mkdir -p out && cd out
  build:
    commands:
      - VERSION=1.0.$CODEBRIDGE_BUILD_NUMBER
      - echo "$GREETING from $(basename $PWD) $VERSION on $CODEBRIDGE_WEBHOOK_HEAD_REF by $CODEBRIDGE_INITIATOR"
      - echo "binary $VERSION" > app.bin
      - mkdir -p ../reports && cp ../junit.xml ../reports/
artifacts:
  files: ['**/*']
  base-directory: out
reports:
  unit:
    files: ['reports/*.xml']
`

func yamlDecode(s string, v any) error {
	dec := yaml.NewDecoder(strings.NewReader(s))
	dec.KnownFields(true)
	return dec.Decode(v)
}
