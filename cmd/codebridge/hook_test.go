package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/internal/testwait"
)

func gitCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestHookPublishesPushes installs the post-receive hook in a real bare
// repository, pushes to it with the git CLI, and sees the reference events
// reach a function through a running server.
func TestHookPublishesPushes(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "refs.txt")
	cfg := filepath.Join(dir, "codebridge.yaml")
	writeFile(t, cfg, fmt.Sprintf(`
server: { dataDir: %q }
nats: { listen: "" }
functions:
  record:
    type: exec
    command: [ /bin/sh, -c, 'printf "%%s %%s\n" "$CE_TYPE" "$CE_SUBJECT" >> "$OUT"' ]
    env: { OUT: %q }
rules:
  - name: refs
    match: event.type.startsWith("dev.codebridge.repository.reference")
    targets: [ { function: record } ]
`, filepath.Join(dir, "data"), out))
	srv := startServer(t, "--config", cfg, "--http", "127.0.0.1:0")

	bare, work := filepath.Join(dir, "app.git"), filepath.Join(dir, "work")
	gitCmd(t, dir, nil, "init", "-q", "--bare", "-b", "main", bare)
	if code, stdout, stderr := cli(t, "hook", "install", "--server", srv.base, bare); code != exitOK || !strings.Contains(stdout, "post-receive") {
		t.Fatalf("hook install: %d %s %s", code, stdout, stderr)
	}
	gitCmd(t, dir, nil, "clone", "-q", bare, work)
	writeFile(t, filepath.Join(work, "a.txt"), "a")
	gitCmd(t, work, nil, "add", ".")
	gitCmd(t, work, nil, "commit", "-q", "-m", "one")
	// The hook runs this test binary as codebridge.
	env := []string{"CODEBRIDGE_TEST_MAIN=1"}
	pushOut := gitCmd(t, work, env, "push", "origin", "main", "main:refs/heads/feature;touch${IFS}canary")
	if !strings.Contains(pushOut, "published 2 event(s)") {
		t.Errorf("push output does not show the hook publishing:\n%s", pushOut)
	}
	gitCmd(t, work, env, "push", "-q", "origin", "--delete", "feature;touch${IFS}canary")

	testwait.For(t, 30*time.Second, "three reference events", func() bool {
		b, _ := os.ReadFile(out)
		return strings.Count(string(b), "\n") >= 3
	})
	b, _ := os.ReadFile(out)
	for _, want := range []string{
		"dev.codebridge.repository.referenceCreated refs/heads/main",
		"dev.codebridge.repository.referenceCreated refs/heads/feature;touch${IFS}canary",
		"dev.codebridge.repository.referenceDeleted refs/heads/feature;touch${IFS}canary",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("missing %q in:\n%s", want, b)
		}
	}
	for _, d := range []string{dir, work, bare} {
		if _, err := os.Stat(filepath.Join(d, "canary")); err == nil {
			t.Errorf("a branch name became shell code: %s/canary exists", d)
		}
	}
}

// TestHookServerDown: the push succeeds, the hook says the events were not
// published and exits non-zero.
func TestHookServerDown(t *testing.T) {
	dir := t.TempDir()
	bare, work := filepath.Join(dir, "app.git"), filepath.Join(dir, "work")
	gitCmd(t, dir, nil, "init", "-q", "--bare", "-b", "main", bare)
	if code, _, stderr := cli(t, "hook", "install", "--server", "http://127.0.0.1:1", bare); code != exitOK {
		t.Fatalf("hook install: %s", stderr)
	}
	gitCmd(t, dir, nil, "clone", "-q", bare, work)
	writeFile(t, filepath.Join(work, "a.txt"), "a")
	gitCmd(t, work, nil, "add", ".")
	gitCmd(t, work, nil, "commit", "-q", "-m", "one")
	pushOut := gitCmd(t, work, []string{"CODEBRIDGE_TEST_MAIN=1"}, "push", "origin", "main")
	if !strings.Contains(pushOut, "events not published (the push itself succeeded)") {
		t.Errorf("push output:\n%s", pushOut)
	}
	if got := strings.TrimSpace(gitCmd(t, bare, nil, "rev-parse", "main")); got != strings.TrimSpace(gitCmd(t, work, nil, "rev-parse", "HEAD")) {
		t.Errorf("push did not land: %s", got)
	}
}
