package replicate

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

// git runs the real git CLI in dir for test set-up and checks.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(gitEnv(os.Environ()),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// refs returns `git ls-remote` of url without HEAD: ref -> object.
func refs(t testing.TB, url string) map[string]string {
	t.Helper()
	out := git(t, os.TempDir(), "ls-remote", "--", url)
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		obj, ref, ok := strings.Cut(line, "\t")
		if ok && ref != "HEAD" {
			m[ref] = obj
		}
	}
	return m
}

func fmtRefs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s %s\n", m[k][:min(7, len(m[k]))], k)
	}
	return b.String()
}

// sameRefs reports whether url's branches and tags equal want's.
func sameRefs(t testing.TB, want map[string]string, url string) bool {
	got := refs(t, url)
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// repoSet is a source repository with a working clone to push from, and
// two targets: one over file:// and one over git:// served by git daemon.
type repoSet struct {
	dir     string
	src     string // bare source path
	work    string // working clone of the source
	fileDst string // bare target path, used as file://
	gitDst  string // bare target path, served by the daemon
	daemon  *gitDaemon
	n       int
}

func newRepoSet(t testing.TB) *repoSet {
	t.Helper()
	dir := t.TempDir()
	r := &repoSet{dir: dir, src: filepath.Join(dir, "src.git"), work: filepath.Join(dir, "work"),
		fileDst: filepath.Join(dir, "file-target.git"), gitDst: filepath.Join(dir, "served", "daemon-target.git")}
	for _, p := range []string{r.src, r.fileDst, r.gitDst} {
		git(t, dir, "init", "--quiet", "--bare", p)
	}
	git(t, dir, "init", "--quiet", "-b", "main", r.work)
	git(t, r.work, "remote", "add", "origin", r.src)
	r.daemon = startDaemon(t, filepath.Join(dir, "served"))
	return r
}

func (r *repoSet) fileURL() string { return "file://" + r.fileDst }
func (r *repoSet) gitURL() string  { return r.daemon.url("daemon-target.git") }

// config names both targets.
func (r *repoSet) config() Config {
	return Config{Targets: []Target{{URL: r.fileURL(), Name: "file"}, {URL: r.gitURL(), Name: "daemon"}}}
}

// commit makes a commit on the working clone's branch and pushes it
// (forced, so a rewritten branch goes too); it returns the commit id.
func (r *repoSet) commit(t testing.TB, branch string) string {
	t.Helper()
	r.n++
	if branch != strings.TrimSpace(git(t, r.work, "branch", "--show-current")) {
		git(t, r.work, "checkout", "--quiet", "-B", branch)
	}
	name := fmt.Sprintf("file-%d.txt", r.n)
	if err := os.WriteFile(filepath.Join(r.work, name), []byte(strconv.Itoa(r.n)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, r.work, "add", name)
	git(t, r.work, "commit", "--quiet", "-m", "change "+strconv.Itoa(r.n))
	git(t, r.work, "push", "--quiet", "--force", "origin", "HEAD:refs/heads/"+branch)
	return strings.TrimSpace(git(t, r.work, "rev-parse", "HEAD"))
}

// converged checks that both targets' branches and tags equal the source's.
func (r *repoSet) converged(t testing.TB) {
	t.Helper()
	want := refs(t, r.src)
	for _, u := range []string{r.fileURL(), r.gitURL()} {
		if got := refs(t, u); !sameRefs(t, want, u) {
			t.Fatalf("target %s differs from the source\nsource:\n%starget:\n%s", u, fmtRefs(want), fmtRefs(got))
		}
	}
}

// gitDaemon serves a directory over the git protocol with pushes enabled.
type gitDaemon struct {
	t    testing.TB
	base string
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
}

func startDaemon(t testing.TB, base string) *gitDaemon {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	d := &gitDaemon{t: t, base: base, port: port}
	d.start()
	t.Cleanup(d.stop)
	return d
}

func (d *gitDaemon) url(repo string) string {
	return fmt.Sprintf("git://127.0.0.1:%d/%s", d.port, repo)
}

func (d *gitDaemon) start() {
	d.t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	cmd := exec.Command("git", "daemon", "--export-all", "--enable=receive-pack", "--base-path="+d.base,
		"--listen=127.0.0.1", "--port="+strconv.Itoa(d.port), "--reuseaddr", d.base)
	cmd.Env = gitEnv(os.Environ())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	d.cmd = cmd
	testwait.For(d.t, 10*time.Second, "git daemon accepts connections", func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", d.port), time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
}

// stop kills the daemon and every connection it forked, and waits until
// the port refuses connections.
func (d *gitDaemon) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return
	}
	_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	_ = d.cmd.Wait()
	d.cmd = nil
	testwait.For(d.t, 10*time.Second, "git daemon stops", func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", d.port), time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err != nil
	})
}

// gate is a pre-receive hook that holds a push until the test releases it
// (or makes it fail), so a run can be caught in the middle.
type gate struct{ dir string }

func installGate(t testing.TB, bareRepo string) *gate {
	t.Helper()
	g := &gate{dir: t.TempDir()}
	hook := fmt.Sprintf(`#!/bin/sh
cat >/dev/null
d=%s
[ -f "$d/release" ] && exit 0
touch "$d/started"
while :; do
  [ -f "$d/release" ] && exit 0
  if [ -f "$d/abort" ]; then touch "$d/aborted"; exit 1; fi
  sleep 0.02
done
`, shellQuote(g.dir))
	if err := os.WriteFile(filepath.Join(bareRepo, "hooks", "pre-receive"), []byte(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.release) // never leave a hook spinning
	return g
}

func (g *gate) touch(name string) {
	f, err := os.Create(filepath.Join(g.dir, name))
	if err == nil {
		_ = f.Close()
	}
}
func (g *gate) exists(name string) bool {
	_, err := os.Stat(filepath.Join(g.dir, name))
	return err == nil
}
func (g *gate) started() bool { return g.exists("started") }
func (g *gate) release()      { g.touch("release") }

// countingGit writes a git wrapper that logs each run's arguments to a file,
// so tests can count real git runs; it returns the wrapper and a counter of
// runs whose subcommand is op.
func countingGit(t testing.TB) (path string, count func(op string) int) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "runs.log")
	path = filepath.Join(dir, "git")
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$*\" >> %s\nexec git \"$@\"\n", shellQuote(log))
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, func(op string) int {
		b, err := os.ReadFile(log)
		if err != nil {
			return 0
		}
		n := 0
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(" "+line+" ", " "+op+" ") {
				n++
			}
		}
		return n
	}
}

// runLog returns everything the wrapper logged.
func runLog(path string) string {
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(path), "runs.log"))
	return string(b)
}

// logBuf collects log lines from several goroutines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newTestFunction builds a function over js with its own data directory.
func newTestFunction(t testing.TB, name string, c Config, js jetstream.JetStream, secrets ...string) (*Function, *logBuf) {
	t.Helper()
	logs := &logBuf{}
	f, err := newFunction(name, c, functions.Deps{
		Logger:    zerolog.New(logs).Level(zerolog.DebugLevel),
		DataDir:   t.TempDir(),
		JetStream: js,
		Secrets:   secrets,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f, logs
}

// refEvent is a referenceUpdated event for the source at cloneURL.
func refEvent(t testing.TB, cloneURL, branch, commit string) events.Event {
	t.Helper()
	e, err := events.New(events.ReferenceUpdated, "codebridge://test", events.ReferenceData{
		Repository:        events.Repository{Name: "app", FullName: "acme/app", CloneURL: cloneURL, Provider: "git"},
		ReferenceFullName: "refs/heads/" + branch, ReferenceName: branch, ReferenceType: events.ReferenceTypeBranch,
		CommitID: commit,
	}, events.WithSubject("refs/heads/"+branch))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// invocation wraps an event as the invoker would.
func invocation(e events.Event) functions.Invocation {
	return functions.Invocation{ID: "inv-" + e.ID(), Attempt: 1, Rule: "mirror", Function: "mirror", Event: e}
}

func invoke(t testing.TB, f *Function, inv functions.Invocation) (functions.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return f.Invoke(ctx, inv)
}

// natsMsg turns a stored message back into a *nats.Msg for events.FromMsg.
func natsMsg(m *jetstream.RawStreamMsg) *nats.Msg {
	return &nats.Msg{Subject: m.Subject, Header: m.Header, Data: m.Data}
}
