package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/engine"
	"github.com/codebridge/codebridge/events/webhook"
	_ "github.com/codebridge/codebridge/functions/builtin" // the build and prcomment function types
	"github.com/codebridge/codebridge/internal/testwait"
	"github.com/codebridge/codebridge/rules"
)

// TestPRFlow runs the pull request validation example
// (testdata/examples/pr-validation.yaml) end to end: signed GitHub
// pull_request deliveries in over HTTP, real builds of a real git
// repository (testdata/prflow/repo), and the GitHub REST calls out, recorded
// by a fake GitHub API.
func TestPRFlow(t *testing.T) {
	const (
		secret    = "prflow-webhook-secret"
		token     = "ghp_prflowTokenValue0123456789abcdef"
		publicURL = "https://ci.example.test"
	)
	repo := newPRRepo(t)
	gh := newFakeGitHub(t, token)
	t.Setenv("GITHUB_WEBHOOK_SECRET", secret)
	t.Setenv("GITHUB_TOKEN", token)
	t.Setenv("GITHUB_API_URL", gh.srv.URL)
	t.Setenv("CODEBRIDGE_PUBLIC_URL", publicURL)
	f := startPRFlow(t, "../testdata/examples/pr-validation.yaml", secret)
	expect := expectations{publicURL: publicURL}

	// 1. The pull request is opened; its tests pass.
	sha1 := repo.commit(t, "greeting says hello", map[string]string{"greeting.txt": "hello\n"})
	gh.knowCommit(sha1)
	f.deliver(t, "pull_request", "prflow-1-opened", prPayload(t, "pull_request.opened.json", repo.url, sha1, ""))
	f.waitForVerdict(t, gh, sha1)
	calls := gh.callsFrom(0)
	build1 := expect.check(t, calls, []callWant{
		expect.list(),
		expect.createSticky(expect.started(sha1)),
		expect.status(sha1, "pending", "Build started for "+sha1[:7], ""),
		expect.list(),
		expect.editSticky(expect.passed(sha1)),
		expect.status(sha1, "success", "Build passed: unit 3/3 passed", "build"),
	})
	if t.Failed() {
		t.FailNow()
	}
	commentID := gh.onlyComment(t).ID
	if got := calls[4].Path; got != fmt.Sprintf("%s/issues/comments/%d", ghRepoPath, commentID) {
		t.Errorf("the result edited %s, want the comment that was created (%d)", got, commentID)
	}
	// The status links the build's log, which the engine serves.
	if log := f.get(t, "/api/builds/"+build1[0]+"/logs"); !strings.Contains(log, "Checked out "+sha1) {
		t.Errorf("log of %s does not show the checkout of %s:\n%s", build1[0], sha1, log)
	}

	// 2. A second push: greeting.txt no longer says hello, a test fails. The
	// same comment is updated, no new one is posted.
	sha2 := repo.commit(t, "greeting says bye", map[string]string{"greeting.txt": "bye\n"})
	gh.knowCommit(sha2)
	f.deliver(t, "pull_request", "prflow-2-synchronize", prPayload(t, "pull_request.synchronize.json", repo.url, sha2, sha1))
	f.waitForVerdict(t, gh, sha2)
	build2 := expect.check(t, gh.callsFrom(len(calls)), []callWant{
		expect.list(),
		expect.editSticky(expect.started(sha2)),
		expect.status(sha2, "pending", "Build started for "+sha2[:7], ""),
		expect.list(),
		expect.editSticky(expect.failed(sha2)),
		expect.status(sha2, "failure", "Build failed: unit 2/3 passed", "build"),
	})
	if t.Failed() {
		t.FailNow()
	}
	if build2[0] == build1[0] {
		t.Errorf("the second push reported build %s again", build2[0])
	}
	calls = gh.callsFrom(0)

	// 3. A third push starts a build that waits (the gate file); a fourth
	// push supersedes it. The comment says so, the third commit's status
	// becomes an error, and the fourth build's result follows.
	gate := newGate(t)
	sha3 := repo.commit(t, "slow build", map[string]string{"greeting.txt": "hello\n", "gate": gate.dir + "\n"})
	gh.knowCommit(sha3)
	f.deliver(t, "pull_request", "prflow-3-synchronize", prPayload(t, "pull_request.synchronize.json", repo.url, sha3, sha2))
	testwait.For(t, 40*time.Second, "the build of the third push to run its tests", gate.running)
	sha4 := repo.commit(t, "fast again", map[string]string{"gate": ""})
	gh.knowCommit(sha4)
	f.deliver(t, "pull_request", "prflow-4-synchronize", prPayload(t, "pull_request.synchronize.json", repo.url, sha4, sha3))
	f.waitForVerdict(t, gh, sha4)
	ids := expect.check(t, gh.callsFrom(len(calls)), []callWant{
		expect.list(),
		expect.editSticky(expect.started(sha3)),
		expect.status(sha3, "pending", "Build started for "+sha3[:7], ""),
		expect.list(),
		expect.editSticky(expect.started(sha4)),
		expect.status(sha4, "pending", "Build started for "+sha4[:7], ""),
		expect.list(),
		expect.editSticky(expect.superseded(sha3, sha4)),
		expect.status(sha3, "error", "Superseded by "+sha4[:7], "build"),
		expect.list(),
		expect.editSticky(expect.passed(sha4)),
		expect.status(sha4, "success", "Build passed: unit 3/3 passed", "build"),
	})
	if len(ids) != 2 || ids[0] == ids[1] || ids[0] == build2[0] || ids[1] == build2[0] {
		t.Errorf("builds reported: %v after %v; want the stopped build, then the new build", ids, build2)
	}

	// Everything the flow wrote lives in one comment, and nothing failed.
	final := gh.onlyComment(t)
	if final.ID != commentID || !strings.Contains(final.Body, "Build passed for "+sha4) {
		t.Errorf("the pull request's comment is %d %q, want %d with the last result", final.ID, final.Body, commentID)
	}
	for _, c := range gh.callsFrom(0) {
		if c.Auth != "Bearer "+token {
			t.Errorf("%s %s: Authorization %q", c.Method, c.Path, c.Auth)
		}
		if strings.Contains(fmt.Sprint(c.Body), token) || strings.Contains(fmt.Sprint(c.Body), secret) {
			t.Errorf("%s %s: the request body carries a secret", c.Method, c.Path)
		}
	}
	f.noDeadLetters(t)
}

// ---- the engine ----

type prFlow struct {
	eng    *engine.Engine
	base   string
	secret string
}

// startPRFlow loads the configuration file and runs an engine on an
// in-process NATS server until the test ends.
func startPRFlow(t *testing.T, path, secret string) *prFlow {
	t.Helper()
	cfg, err := rules.Load(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	none := ""
	ctx, cancel := context.WithCancel(context.Background())
	eng, err := engine.New(ctx, engine.Options{
		Config:          cfg,
		Logger:          zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		HTTPAddr:        "127.0.0.1:0",
		DataDir:         t.TempDir(),
		NATSListen:      &none,
		ShutdownTimeout: 5 * time.Second,
	})
	if err != nil {
		cancel()
		t.Fatalf("engine: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("engine run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("engine did not stop")
		}
	})
	f := &prFlow{eng: eng, base: "http://" + eng.HTTPAddr(), secret: secret}
	testwait.For(t, 10*time.Second, "engine ready", func() bool {
		resp, err := http.Get(f.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return f
}

// deliver posts a webhook delivery signed as GitHub signs it.
func (f *prFlow) deliver(t *testing.T, event, delivery string, payload []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.base+"/webhooks/github", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/prflow")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	req.Header.Set("X-Hub-Signature-256", "sha256="+webhook.SignSHA256(f.secret, payload))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("deliver %s: %v", delivery, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(string(body), delivery) {
		t.Fatalf("deliver %s: %d %s", delivery, resp.StatusCode, body)
	}
}

func (f *prFlow) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := http.Get(f.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// waitForVerdict waits until a final status for sha reached GitHub and the
// engine has nothing left to do, so that the recorded calls are all there
// are.
func (f *prFlow) waitForVerdict(t *testing.T, gh *fakeGitHub, sha string) {
	t.Helper()
	testwait.For(t, 40*time.Second, "a final status for "+sha[:7], func() bool {
		return slices.ContainsFunc(gh.statusesOf(sha), func(s string) bool { return s != "pending" })
	})
	testwait.For(t, 20*time.Second, "the engine to settle", f.settled)
}

// settled reports whether every event is routed and every invocation
// finished: CB_INVOCATIONS (a work queue) is empty and the consumers of
// CB_EVENTS have nothing pending or unacknowledged, with no message stored
// in either stream meanwhile. A function stores what it emits before its
// invocation is acknowledged, and the router stores the invocations before
// it acknowledges the event, so nothing can follow.
func (f *prFlow) settled() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	js := f.eng.JetStream()
	seqs := func() (uint64, uint64, bool) {
		ev, err1 := streamState(ctx, js, engine.StreamEvents)
		inv, err2 := streamState(ctx, js, engine.StreamInvocations)
		return ev.LastSeq, inv.LastSeq, err1 == nil && err2 == nil && inv.Msgs == 0
	}
	ev1, inv1, empty := seqs()
	if !empty {
		return false
	}
	s, err := js.Stream(ctx, engine.StreamEvents)
	if err != nil {
		return false
	}
	lister := s.ListConsumers(ctx)
	for ci := range lister.Info() {
		if ci.NumPending != 0 || ci.NumAckPending != 0 {
			return false
		}
	}
	if lister.Err() != nil {
		return false
	}
	ev2, inv2, empty := seqs()
	return empty && ev1 == ev2 && inv1 == inv2
}

func streamState(ctx context.Context, js jetstream.JetStream, name string) (jetstream.StreamState, error) {
	s, err := js.Stream(ctx, name)
	if err != nil {
		return jetstream.StreamState{}, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return jetstream.StreamState{}, err
	}
	return info.State, nil
}

func (f *prFlow) noDeadLetters(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	dl, err := f.eng.DLQ().List(ctx, 0, 10)
	if err != nil {
		t.Fatalf("list dead letters: %v", err)
	}
	for _, d := range dl {
		t.Errorf("dead-lettered: function %s, reason %s: %s", d.Function, d.Reason, d.Error)
	}
}

// ---- the repository ----

// prRepo is a bare repository (what GitHub hosts) and a clone whose branch
// "changes" is the pull request's head, as in GitHub's example payloads.
type prRepo struct {
	bare, work, url string
}

func newPRRepo(t *testing.T) *prRepo {
	t.Helper()
	dir := t.TempDir()
	r := &prRepo{bare: filepath.Join(dir, "Hello-World.git"), work: filepath.Join(dir, "work")}
	r.url = "file://" + r.bare
	runGit(t, dir, "init", "--quiet", "--bare", "--initial-branch=master", r.bare)
	runGit(t, dir, "init", "--quiet", "--initial-branch=master", r.work)
	runGit(t, r.work, "remote", "add", "origin", r.bare)
	for _, name := range []string{"buildspec.yml", "run-tests.sh"} {
		b, err := os.ReadFile(filepath.Join("../testdata/prflow/repo", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.work, name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	runGit(t, r.work, "add", "-A")
	runGit(t, r.work, "commit", "--quiet", "-m", "the project")
	runGit(t, r.work, "push", "--quiet", "origin", "master")
	runGit(t, r.work, "checkout", "--quiet", "-b", "changes")
	return r
}

// commit writes files (an empty content removes the file), commits them on
// "changes", pushes and returns the commit id.
func (r *prRepo) commit(t *testing.T, msg string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(r.work, name)
		if content == "" {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runGit(t, r.work, "add", "-A")
	runGit(t, r.work, "commit", "--quiet", "-m", msg)
	runGit(t, r.work, "push", "--quiet", "origin", "changes")
	return runGit(t, r.work, "rev-parse", "HEAD")
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=Codertocat", "-c", "user.email=codertocat@example.com"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// prPayload is one of GitHub's example pull_request payloads pointed at the
// local repository and commit: the head's sha, the clone URLs, and for a
// synchronize delivery before/after.
func prPayload(t *testing.T, file, cloneURL, sha, before string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../testdata/webhooks/github", file))
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	obj := func(m map[string]any, key string) map[string]any {
		v, ok := m[key].(map[string]any)
		if !ok {
			t.Fatalf("%s: no object %q", file, key)
		}
		return v
	}
	pr := obj(p, "pull_request")
	head, base := obj(pr, "head"), obj(pr, "base")
	head["sha"] = sha
	obj(head, "repo")["clone_url"] = cloneURL
	obj(base, "repo")["clone_url"] = cloneURL
	obj(p, "repository")["clone_url"] = cloneURL
	if before != "" {
		p["before"], p["after"] = before, sha
	}
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// gate holds a build of a commit that has a "gate" file (see
// testdata/prflow/repo/run-tests.sh): it creates <dir>/running and blocks
// reading the FIFO <dir>/release.
type gate struct{ dir string }

func newGate(t *testing.T) gate {
	t.Helper()
	g := gate{dir: t.TempDir()}
	if err := syscall.Mkfifo(filepath.Join(g.dir, "release"), 0o600); err != nil {
		t.Fatal(err)
	}
	// If the build is still waiting when the test ends (a failure), let it
	// go so that the engine stops at once.
	t.Cleanup(func() {
		if w, err := os.OpenFile(filepath.Join(g.dir, "release"), os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.WriteString("go\n")
			w.Close()
		}
	})
	return g
}

func (g gate) running() bool {
	_, err := os.Stat(filepath.Join(g.dir, "running"))
	return err == nil
}

// ---- what GitHub should receive ----

const (
	ghRepoPath   = "/api/v3/repos/Codertocat/Hello-World"
	ghPR         = 2
	stickyMarker = "<!-- codebridge:sticky key=codebridge-ci pr=2 -->\n"
)

// invocationMarker ends every comment body: the invocation id (32 hex
// digits) that makes a retry find its own comment.
var invocationMarker = `\n\n<!-- codebridge:invocation [0-9a-f]{32} -->$`

type expectations struct{ publicURL string }

// callWant is one expected request. For a comment, body is a regular
// expression for the "body" field, whose groups capture build ids; for a
// status, status is the exact JSON object, with "target_url" "build"
// standing for a link to some build's log.
type callWant struct {
	method, path, query string
	body                *regexp.Regexp
	status              map[string]any
}

func (x expectations) list() callWant {
	return callWant{method: http.MethodGet, path: ghRepoPath + "/issues/2/comments", query: "per_page=100"}
}

func (x expectations) createSticky(body *regexp.Regexp) callWant {
	return callWant{method: http.MethodPost, path: ghRepoPath + "/issues/2/comments", body: body}
}

func (x expectations) editSticky(body *regexp.Regexp) callWant {
	return callWant{method: http.MethodPatch, path: ghRepoPath + "/issues/comments/{id}", body: body}
}

func (x expectations) status(sha, state, description, target string) callWant {
	st := map[string]any{"state": state, "context": "codebridge/ci", "description": description}
	if target != "" {
		st["target_url"] = target
	}
	return callWant{method: http.MethodPost, path: ghRepoPath + "/statuses/" + sha, status: st}
}

func (x expectations) started(sha string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(stickyMarker+
		"### ⏳ Build started for "+sha+"\n\nThis comment is updated when the build ends.") + invocationMarker)
}

func (x expectations) passed(sha string) *regexp.Regexp {
	return x.result("### ✅ Build passed for "+sha, "| unit | 3 | 3 | 0 | 0 | 100.00% |", "")
}

func (x expectations) failed(sha string) *regexp.Regexp {
	return x.result("### ❌ Build failed for "+sha, "| unit | 3 | 2 | 1 | 0 | 66.67% |",
		regexp.QuoteMeta("**Failing tests**\n```\ncalc.TestGreeting: greeting.txt does not say hello\n```\n\n> `")+"[^`\n]+`\n\n")
}

// result is the comment of a finished build: heading and badge, the report
// table, what failed, then the build, its duration and its log.
func (x expectations) result(heading, row, failures string) *regexp.Regexp {
	q := regexp.QuoteMeta
	return regexp.MustCompile(`^` + q(stickyMarker+heading+" ![build status]("+x.publicURL+"/badges/Hello-World/changes.svg)\n\n"+
		"| report | tests | passed | failed | skipped | pass rate |\n|---|---:|---:|---:|---:|---:|\n"+row+"\n\n") +
		failures + q("Build `") + `(Hello-World-\d+)` + q("` took ") + `(?:\d+\.\ds|\d+m \d+s)` +
		q(" · [build log]("+x.publicURL+"/api/builds/") + `(Hello-World-\d+)` + q("/logs)") + invocationMarker)
}

func (x expectations) superseded(old, next string) *regexp.Regexp {
	q := regexp.QuoteMeta
	return regexp.MustCompile(`^` + q(stickyMarker+"### ⏭️ Build superseded\n\nBuild `") + `(Hello-World-\d+)` +
		q("` of "+old+" was stopped ([build log]("+x.publicURL+"/api/builds/") + `(Hello-World-\d+)` +
		q("/logs)): "+next+" was pushed and is being built now. This comment is updated when that build ends.") + invocationMarker)
}

// check compares the calls with the expectations, one by one, and returns
// the builds that were reported, in order. A build is reported by a comment
// (whose links all name it) followed by a status linking its log.
func (x expectations) check(t *testing.T, got []ghCall, want []callWant) []string {
	t.Helper()
	var builds []string
	logURL := regexp.MustCompile(`^` + regexp.QuoteMeta(x.publicURL+"/api/builds/") + `(Hello-World-\d+)/logs$`)
	for i, w := range want {
		if i >= len(got) {
			t.Errorf("call %d: missing, want %s %s", i, w.method, w.path)
			continue
		}
		c := got[i]
		path := c.Path
		if strings.Contains(w.path, "{id}") {
			path = regexp.MustCompile(`/comments/\d+$`).ReplaceAllString(path, "/comments/{id}")
		}
		if c.Method != w.method || path != w.path || c.Query != w.query {
			t.Errorf("call %d: %s %s?%s, want %s %s?%s", i, c.Method, c.Path, c.Query, w.method, w.path, w.query)
			continue
		}
		switch {
		case w.body != nil:
			body, _ := c.Body["body"].(string)
			m := w.body.FindStringSubmatch(body)
			if m == nil || len(c.Body) != 1 {
				t.Errorf("call %d: %s %s sent\n%v\nwant a body matching\n%s", i, c.Method, c.Path, c.Body, w.body)
				continue
			}
			for _, id := range m[1:] {
				if id != m[1] {
					t.Errorf("call %d: the comment names builds %v", i, m[1:])
				}
			}
			if len(m) > 1 {
				builds = append(builds, m[1])
			}
		case w.status != nil:
			st := cloneMap(w.status)
			if st["target_url"] == "build" {
				u, _ := c.Body["target_url"].(string)
				m := logURL.FindStringSubmatch(u)
				if m == nil {
					t.Errorf("call %d: status target_url %q is not a build log", i, u)
					continue
				}
				st["target_url"] = u
				builds = append(builds, m[1])
			}
			if !reflect.DeepEqual(c.Body, st) {
				t.Errorf("call %d: %s %s sent %v, want %v", i, c.Method, c.Path, c.Body, st)
			}
		case len(c.Body) != 0:
			t.Errorf("call %d: %s %s sent a body: %v", i, c.Method, c.Path, c.Body)
		}
	}
	if len(got) > len(want) {
		for _, c := range got[len(want):] {
			t.Errorf("unexpected call: %s %s %v", c.Method, c.Path, c.Body)
		}
	}
	// Each build is named by its comment, then by its status.
	var distinct []string
	for i := 0; i+1 < len(builds); i += 2 {
		if builds[i] != builds[i+1] {
			t.Errorf("the comment names build %s and the status links build %s", builds[i], builds[i+1])
		}
		distinct = append(distinct, builds[i])
	}
	if t.Failed() {
		for i, c := range got {
			t.Logf("received %d: %s %s?%s %v", i, c.Method, c.Path, c.Query, c.Body)
		}
	}
	return distinct
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ---- a fake GitHub ----

// fakeGitHub is GitHub Enterprise Server's REST v3 API (paths under
// /api/v3, as go-github addresses any host but api.github.com) reduced to
// what prcomment uses, with the request and response shapes of GitHub's REST
// docs (docs.github.com/rest/issues/comments, /rest/commits/statuses,
// /rest/using-the-rest-api/using-pagination-in-the-rest-api):
//
//   - GET  /repos/{owner}/{repo}/issues/{number}/comments: ascending ids,
//     per_page (default 30, at most 100) and page, a Link header with
//     rel="next"/"last"/"first"/"prev";
//   - POST /repos/{owner}/{repo}/issues/{number}/comments: 201 with the
//     comment (id, node_id, url, html_url, body, user, created_at,
//     updated_at, issue_url, author_association) and a Location header;
//   - PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}: 200 with it;
//   - POST /repos/{owner}/{repo}/statuses/{sha}: 201 with the status, 422
//     for an unknown commit or a bad state;
//   - 401 "Bad credentials" without the token, 404 "Not Found" elsewhere.
//
// It records every request it receives.
type fakeGitHub struct {
	t     *testing.T
	srv   *httptest.Server
	token string

	mu       sync.Mutex
	calls    []ghCall
	nextID   int64
	comments []*ghComment
	statuses map[string][]string // sha -> states in order
	commits  map[string]bool
}

type ghCall struct {
	Method, Path, Query, Auth string
	Body                      map[string]any
}

type ghComment struct {
	ID               int64
	Body             string
	Created, Updated time.Time
}

const (
	ghOwner, ghName = "Codertocat", "Hello-World"
	ghBot           = "codebridge-bot"
	ghDocs          = "https://docs.github.com/rest"
)

func newFakeGitHub(t *testing.T, token string) *fakeGitHub {
	f := &fakeGitHub{t: t, token: token, nextID: 1_500_000_000, statuses: map[string][]string{}, commits: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/repos/{owner}/{repo}/issues/{number}/comments", f.listComments)
	mux.HandleFunc("POST /api/v3/repos/{owner}/{repo}/issues/{number}/comments", f.createComment)
	mux.HandleFunc("PATCH /api/v3/repos/{owner}/{repo}/issues/comments/{id}", f.editComment)
	mux.HandleFunc("POST /api/v3/repos/{owner}/{repo}/statuses/{sha}", f.createStatus)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.record(r)
		w.Header().Set("X-GitHub-Media-Type", "github.v3; format=json")
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4999")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		if r.Header.Get("Authorization") != "Bearer "+f.token {
			ghError(w, http.StatusUnauthorized, "Bad credentials", ghDocs)
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			ghError(w, http.StatusNotFound, "Not Found", ghDocs)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) record(r *http.Request) {
	c := ghCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query().Encode(), Auth: r.Header.Get("Authorization")}
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	if len(b) > 0 {
		if err := json.Unmarshal(b, &c.Body); err != nil {
			f.t.Errorf("fake GitHub: %s %s: the body is not a JSON object: %s", r.Method, r.URL.Path, b)
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

// callsFrom returns the calls received from index i on.
func (f *fakeGitHub) callsFrom(i int) []ghCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls[min(i, len(f.calls)):])
}

func (f *fakeGitHub) knowCommit(sha string) {
	f.mu.Lock()
	f.commits[sha] = true
	f.mu.Unlock()
}

func (f *fakeGitHub) statusesOf(sha string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.statuses[sha])
}

// onlyComment returns the pull request's one comment.
func (f *fakeGitHub) onlyComment(t *testing.T) ghComment {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.comments) != 1 {
		t.Fatalf("the pull request has %d comments, want 1", len(f.comments))
	}
	return *f.comments[0]
}

func ghError(w http.ResponseWriter, status int, msg, doc string) {
	ghJSON(w, status, map[string]any{"message": msg, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func ghJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// known checks the repository (and the issue number) of a path.
func (f *fakeGitHub) known(w http.ResponseWriter, r *http.Request, doc string, issue bool) bool {
	ok := r.PathValue("owner") == ghOwner && r.PathValue("repo") == ghName
	if issue {
		ok = ok && r.PathValue("number") == strconv.Itoa(ghPR)
	}
	if !ok {
		ghError(w, http.StatusNotFound, "Not Found", doc)
	}
	return ok
}

func (f *fakeGitHub) commentJSON(c ghComment) map[string]any {
	api := f.srv.URL + "/api/v3/repos/" + ghOwner + "/" + ghName
	return map[string]any{
		"id":                 c.ID,
		"node_id":            fmt.Sprintf("IC_kwDOABCD%d", c.ID),
		"url":                fmt.Sprintf("%s/issues/comments/%d", api, c.ID),
		"html_url":           fmt.Sprintf("https://github.com/%s/%s/pull/%d#issuecomment-%d", ghOwner, ghName, ghPR, c.ID),
		"body":               c.Body,
		"user":               map[string]any{"login": ghBot, "id": 41898282, "type": "Bot", "site_admin": false},
		"created_at":         c.Created.Format(time.RFC3339),
		"updated_at":         c.Updated.Format(time.RFC3339),
		"issue_url":          fmt.Sprintf("%s/issues/%d", api, ghPR),
		"author_association": "NONE",
	}
}

func (f *fakeGitHub) listComments(w http.ResponseWriter, r *http.Request) {
	const doc = ghDocs + "/issues/comments#list-issue-comments"
	if !f.known(w, r, doc, true) {
		return
	}
	perPage, page := 30, 1
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	f.mu.Lock()
	all := make([]ghComment, len(f.comments))
	for i, c := range f.comments {
		all[i] = *c
	}
	f.mu.Unlock()
	last := max(1, (len(all)+perPage-1)/perPage)
	link := func(p int, rel string) string {
		return fmt.Sprintf(`<%s/api/v3/repositories/1296269/issues/%d/comments?per_page=%d&page=%d>; rel="%s"`, f.srv.URL, ghPR, perPage, p, rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	out := []map[string]any{}
	for i := (page - 1) * perPage; i < len(all) && i < page*perPage; i++ {
		out = append(out, f.commentJSON(all[i]))
	}
	ghJSON(w, http.StatusOK, out)
}

func (f *fakeGitHub) createComment(w http.ResponseWriter, r *http.Request) {
	const doc = ghDocs + "/issues/comments#create-an-issue-comment"
	if !f.known(w, r, doc, true) {
		return
	}
	body, ok := bodyField(w, r, doc)
	if !ok {
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	f.mu.Lock()
	f.nextID++
	c := &ghComment{ID: f.nextID, Body: body, Created: now, Updated: now}
	f.comments = append(f.comments, c)
	j := f.commentJSON(*c)
	f.mu.Unlock()
	w.Header().Set("Location", j["url"].(string))
	ghJSON(w, http.StatusCreated, j)
}

func (f *fakeGitHub) editComment(w http.ResponseWriter, r *http.Request) {
	const doc = ghDocs + "/issues/comments#update-an-issue-comment"
	if !f.known(w, r, doc, false) {
		return
	}
	body, ok := bodyField(w, r, doc)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	var j map[string]any
	for _, c := range f.comments {
		if c.ID == id {
			c.Body, c.Updated = body, time.Now().UTC().Truncate(time.Second)
			j = f.commentJSON(*c)
		}
	}
	f.mu.Unlock()
	if j == nil {
		ghError(w, http.StatusNotFound, "Not Found", doc)
		return
	}
	ghJSON(w, http.StatusOK, j)
}

func bodyField(w http.ResponseWriter, r *http.Request, doc string) (string, bool) {
	var in map[string]any
	json.NewDecoder(r.Body).Decode(&in)
	body, ok := in["body"].(string)
	if !ok {
		ghJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Invalid request.\n\n\"body\" wasn't supplied.", "documentation_url": doc, "status": "422",
		})
	}
	return body, ok
}

func (f *fakeGitHub) createStatus(w http.ResponseWriter, r *http.Request) {
	const doc = ghDocs + "/commits/statuses#create-a-commit-status"
	if !f.known(w, r, doc, false) {
		return
	}
	sha := r.PathValue("sha")
	var in map[string]any
	json.NewDecoder(r.Body).Decode(&in)
	state, _ := in["state"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case !f.commits[sha]:
		ghJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "No commit found for SHA: " + sha, "documentation_url": doc, "status": "422"})
		return
	case !slices.Contains([]string{"pending", "success", "failure", "error"}, state):
		ghJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed", "documentation_url": doc, "status": "422",
			"errors": []map[string]string{{"resource": "Status", "code": "custom", "field": "state", "message": "state is not included in the list"}},
		})
		return
	}
	f.statuses[sha] = append(f.statuses[sha], state)
	f.nextID++
	now := time.Now().UTC().Format(time.RFC3339)
	ghJSON(w, http.StatusCreated, map[string]any{
		"url":         fmt.Sprintf("%s/api/v3/repos/%s/%s/statuses/%s", f.srv.URL, ghOwner, ghName, sha),
		"avatar_url":  "https://github.com/images/error/hubot_happy.gif",
		"id":          f.nextID,
		"node_id":     fmt.Sprintf("SC_kwDOABCD%d", f.nextID),
		"state":       state,
		"description": in["description"],
		"target_url":  in["target_url"],
		"context":     in["context"],
		"created_at":  now,
		"updated_at":  now,
		"creator":     map[string]any{"login": ghBot, "id": 41898282, "type": "Bot"},
	})
}
