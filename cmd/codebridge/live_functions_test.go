package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/internal/testwait"
)

// TestLiveBuildAndReplicateCLI: a push event reaches a build and a replicate
// function in a running server; `build list|show|logs` and `replicate
// status` report them.
func TestLiveBuildAndReplicateCLI(t *testing.T) {
	dir := t.TempDir()
	bare, work, mirror := filepath.Join(dir, "app.git"), filepath.Join(dir, "work"), filepath.Join(dir, "mirror.git")
	gitCmd(t, dir, nil, "init", "-q", "--bare", "-b", "main", bare)
	gitCmd(t, dir, nil, "init", "-q", "--bare", "-b", "main", mirror)
	gitCmd(t, dir, nil, "clone", "-q", bare, work)
	writeFile(t, filepath.Join(work, "buildspec.yml"), "version: 0.2\nphases:\n  build:\n    commands:\n      - echo \"building $CODEBRIDGE_RESOLVED_SOURCE_VERSION\"\n")
	gitCmd(t, work, nil, "add", ".")
	gitCmd(t, work, nil, "commit", "-q", "-m", "one")
	gitCmd(t, work, nil, "push", "-q", "origin", "main")
	commit := strings.TrimSpace(gitCmd(t, work, nil, "rev-parse", "HEAD"))

	cfg := filepath.Join(dir, "codebridge.yaml")
	writeFile(t, cfg, fmt.Sprintf(`
server: { dataDir: %q }
nats: { listen: "" }
functions:
  ci:     { type: build, project: app }
  mirror: { type: replicate, targets: [ "file://%s" ] }
rules:
  - name: on-push
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: ci }, { function: mirror } ]
`, filepath.Join(dir, "data"), mirror))
	srv := startServer(t, "--config", cfg, "--http", "127.0.0.1:0")

	data := fmt.Sprintf(`{"repository":{"name":"app","fullName":"app","cloneURL":%q,"provider":"git"},"referenceFullName":"refs/heads/main","referenceName":"main","referenceType":"branch","commitId":%q,"oldCommitId":"%s"}`,
		bare, commit, strings.Repeat("1", 40))
	if code, _, stderr := cli(t, "publish", "--server", srv.base, "--type", "dev.codebridge.repository.referenceUpdated", "--source", "file://"+bare, "--data", data); code != exitOK {
		t.Fatalf("publish: %s", stderr)
	}

	var id string
	testwait.For(t, 60*time.Second, "a finished build in build list", func() bool {
		_, out, _ := cli(t, "build", "list", "--server", srv.base)
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[1] == "SUCCEEDED" {
				id = f[0]
				return true
			}
		}
		return false
	})
	code, show, _ := cli(t, "build", "show", id, "--server", srv.base)
	var rec struct {
		Status string `json:"status"`
		Source struct {
			CommitID string `json:"commitId"`
		} `json:"source"`
	}
	if code != exitOK || json.Unmarshal([]byte(show), &rec) != nil || rec.Status != "SUCCEEDED" || rec.Source.CommitID != commit {
		t.Errorf("build show: %d %s", code, show)
	}
	for _, args := range [][]string{{"build", "logs", id}, {"build", "logs", "-f", id}} {
		code, logs, stderr := cli(t, append(args, "--server", srv.base)...)
		if code != exitOK || !strings.Contains(logs, "building "+commit) {
			t.Errorf("%v: %d %q %q", args, code, logs, stderr)
		}
	}

	testwait.For(t, 60*time.Second, "the mirror in sync", func() bool {
		_, out, _ := cli(t, "replicate", "status", "--server", srv.base)
		return strings.Contains(out, "true")
	})
	if got := strings.TrimSpace(gitCmd(t, mirror, nil, "rev-parse", "main")); got != commit {
		t.Errorf("mirror main = %s, want %s", got, commit)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
		t.Errorf("data dir: %v", err)
	}
}
