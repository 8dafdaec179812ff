package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions/build/buildspec"
	"github.com/codebridge/codebridge/internal/testwait"
)

// lines collects log lines safely.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (c *lines) add(s string) { c.mu.Lock(); c.l = append(c.l, s); c.mu.Unlock() }
func (c *lines) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.l...)
}
func (c *lines) has(s string) bool {
	for _, l := range c.all() {
		if l == s {
			return true
		}
	}
	return false
}
func (c *lines) contains(s string) bool {
	return strings.Contains(strings.Join(c.all(), "\n"), s)
}

func parse(t *testing.T, y string) *buildspec.Spec {
	t.Helper()
	s, err := buildspec.Parse("buildspec.yml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runSpec(t *testing.T, ctx context.Context, y string, secrets ...string) (Result, *lines, string) {
	t.Helper()
	return runSpecEnv(t, ctx, y, nil, secrets...)
}

func runSpecEnv(t *testing.T, ctx context.Context, y string, env []string, secrets ...string) (Result, *lines, string) {
	t.Helper()
	dir := t.TempDir()
	var out lines
	res, err := Run(ctx, parse(t, y), Options{
		Dir:    dir,
		Env:    append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...),
		Masker: NewMasker(secrets...),
		Log:    out.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, &out, dir
}

func phaseStatuses(r Result) string {
	var s []string
	for _, p := range r.Phases {
		s = append(s, p.Name+"="+p.Status)
	}
	return strings.Join(s, " ")
}

func TestRunPersistsShellState(t *testing.T) {
	res, out, _ := runSpec(t, context.Background(), `
version: 0.2
env:
  variables: {GREETING: hello}
  exported-variables: [VERSION, UNSET]
phases:
  install:
    commands:
      - mkdir -p sub && cd sub
      - VERSION=1.2.3
  build:
    commands:
      - echo "$GREETING from $(basename "$PWD") v$VERSION succeeding=$CODEBRIDGE_BUILD_SUCCEEDING"
      - printf 'no newline'
      - cat
      - echo after
`)
	if res.Status != StatusSucceeded {
		t.Fatalf("status %s: %s\n%s", res.Status, res.Message, strings.Join(out.all(), "\n"))
	}
	for _, want := range []string{"hello from sub v1.2.3 succeeding=1", "no newline", "after"} {
		if !out.has(want) {
			t.Errorf("missing line %q in\n%s", want, strings.Join(out.all(), "\n"))
		}
	}
	if res.Exported["VERSION"] != "1.2.3" || res.Exported["UNSET"] != "" || len(res.Exported) != 2 {
		t.Errorf("exported = %v", res.Exported)
	}
	if got := phaseStatuses(res); got != "install=SUCCEEDED build=SUCCEEDED" {
		t.Errorf("phases = %s", got)
	}
	if out.contains("\x1e") {
		t.Error("a driver marker leaked into the log")
	}
}

func TestRunPhaseTransitions(t *testing.T) {
	tests := []struct {
		name, yaml, status, phases string
		want, absent               []string
	}{
		{
			name: "build fails, finally and post_build run",
			yaml: `
version: 0.2
phases:
  build:
    commands:
      - echo one
      - "false"
      - echo never
    finally:
      - echo cleanup
  post_build:
    commands:
      - echo post succeeding=$CODEBRIDGE_BUILD_SUCCEEDING
`,
			status: StatusFailed, phases: "build=FAILED post_build=SUCCEEDED",
			want: []string{"one", "cleanup", "post succeeding=0"}, absent: []string{"never"},
		},
		{
			name: "install fails, nothing else runs",
			yaml: `
version: 0.2
phases:
  install: {commands: ["exit 3"]}
  build: {commands: [echo build]}
  post_build: {commands: [echo post]}
`,
			status: StatusFailed, phases: "install=FAILED build=SKIPPED post_build=SKIPPED",
			absent: []string{"build", "post"},
		},
		{
			name: "build ABORT skips post_build",
			yaml: `
version: 0.2
phases:
  build: {on-failure: ABORT, commands: ["false"]}
  post_build: {commands: [echo post]}
`,
			status: StatusFailed, phases: "build=FAILED post_build=SKIPPED", absent: []string{"post"},
		},
		{
			name: "pre_build CONTINUE runs build",
			yaml: `
version: 0.2
phases:
  pre_build: {on-failure: CONTINUE, commands: ["false"]}
  build: {commands: [echo build]}
`,
			status: StatusFailed, phases: "pre_build=FAILED build=SUCCEEDED", want: []string{"build"},
		},
		{
			name: "failing finally fails the phase",
			yaml: `
version: 0.2
phases:
  build: {commands: ["true"], finally: ["false", echo second]}
`,
			status: StatusFailed, phases: "build=FAILED", want: []string{"second"},
		},
		{
			name: "exit in a command fails it and a fresh shell runs finally",
			yaml: `
version: 0.2
phases:
  build:
    commands: ["X=kept", "exit 7"]
    finally: ["echo x=$X"]
`,
			status: StatusFailed, phases: "build=FAILED", want: []string{"x="},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, out, _ := runSpec(t, context.Background(), tt.yaml)
			if res.Status != tt.status {
				t.Errorf("status = %s (%s), want %s", res.Status, res.Message, tt.status)
			}
			if got := phaseStatuses(res); got != tt.phases {
				t.Errorf("phases = %s, want %s", got, tt.phases)
			}
			for _, w := range tt.want {
				if !out.has(w) {
					t.Errorf("missing line %q in\n%s", w, strings.Join(out.all(), "\n"))
				}
			}
			for _, a := range tt.absent {
				if out.has(a) {
					t.Errorf("line %q should not be there", a)
				}
			}
		})
	}
}

func TestRunFailureMessageNamesCommand(t *testing.T) {
	res, _, _ := runSpec(t, context.Background(), "version: 0.2\nphases: {build: {commands: ['exit 4']}}")
	if !strings.Contains(res.Message, "exit 4: exit status 4") || !strings.Contains(res.Message, "phase build failed") {
		t.Errorf("message = %q", res.Message)
	}
}

// pidGone reports whether pid no longer runs (gone or a zombie).
func pidGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] == "Z"
}

func TestRunTimeoutKillsProcessGroup(t *testing.T) {
	// The cause a deadline leaves, set by hand once the build is in its
	// long command, so the test does not depend on how fast the machine is.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	dir := t.TempDir()
	var out lines
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for !out.has("started") && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel(context.DeadlineExceeded)
	}()
	spec := parse(t, `
version: 0.2
phases:
  build:
    commands:
      - sleep 300 & echo $! > bg.pid
      - echo started; sleep 300
    finally:
      - echo finally-after-timeout
`)
	res, err := Run(ctx, spec, Options{Dir: dir, Env: []string{"PATH=" + os.Getenv("PATH")}, Log: out.add})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusTimedOut {
		t.Fatalf("status = %s (%s)", res.Status, res.Message)
	}
	if !out.has("started") || out.has("finally-after-timeout") {
		t.Errorf("log:\n%s", strings.Join(out.all(), "\n"))
	}
	b, err := os.ReadFile(filepath.Join(dir, "bg.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	testwait.For(t, 5*time.Second, "the step's process to exit", func() bool { return pidGone(pid) })
}

func TestRunStopWithCause(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	var out lines
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		testwait.For(t, 10*time.Second, "the step to print running", func() bool { return out.has("running") })
		cancel(errors.New("superseded by abc123"))
	}()
	res, err := Run(ctx, parse(t, "version: 0.2\nphases: {build: {commands: ['echo running; sleep 300']}}"),
		Options{Dir: t.TempDir(), Env: []string{"PATH=" + os.Getenv("PATH")}, Log: out.add})
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusStopped || res.Message != "superseded by abc123" {
		t.Errorf("status = %s, message = %q", res.Status, res.Message)
	}
}

func TestRunMasksSecrets(t *testing.T) {
	secret := "s3cr3t/value+x"
	res, out, _ := runSpecEnv(t, context.Background(), `
version: 0.2
phases:
  build:
    commands:
      - echo "plain $TOKEN"
      - printf '%s' "$TOKEN" | base64
      - echo "url s3cr3t%2Fvalue%2Bx"
      - echo "exit $TOKEN"; exit 1
`, []string{"TOKEN=" + secret}, secret)
	if res.Status != StatusFailed {
		t.Errorf("status = %s", res.Status)
	}
	log := strings.Join(out.all(), "\n")
	if strings.Contains(log, "s3cr3t") || strings.Contains(log, "czNjcjN0L3ZhbHVlK3g") {
		t.Errorf("secret leaked:\n%s", log)
	}
	if !out.has("url ***") || !out.has("plain ***") || !out.has("***") || !out.has("exit ***") {
		t.Errorf("masked forms missing:\n%s", log)
	}
}

func TestRunObserver(t *testing.T) {
	var o recObserver
	_, err := Run(context.Background(), parse(t, "version: 0.2\nphases: {install: {commands: ['true']}, build: {commands: ['true', 'true']}}"),
		Options{Dir: t.TempDir(), Env: []string{"PATH=" + os.Getenv("PATH")}, Observer: &o})
	if err != nil {
		t.Fatal(err)
	}
	want := "start:install cmd:install/0 end:install/SUCCEEDED start:build cmd:build/0 cmd:build/1 end:build/SUCCEEDED"
	if got := strings.Join(o.ev, " "); got != want {
		t.Errorf("events = %s\nwant %s", got, want)
	}
}

type recObserver struct{ ev []string }

func (o *recObserver) PhaseStarted(n string) { o.ev = append(o.ev, "start:"+n) }
func (o *recObserver) PhaseFinished(r PhaseResult) {
	o.ev = append(o.ev, "end:"+r.Name+"/"+r.Status)
}
func (o *recObserver) CommandStarted(p string, i int, _ string) {
	o.ev = append(o.ev, "cmd:"+p+"/"+strconv.Itoa(i))
}
