package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/codebridge/codebridge/internal/testwait"
)

// TestLiveCLI drives a running server with the CLI as a user would: publish,
// events tail, dlq list/show/redrive, and a SIGHUP reload.
func TestLiveCLI(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "seen.txt")
	gate := filepath.Join(dir, "fixed")
	cfg := filepath.Join(dir, "codebridge.yaml")
	config := func(extra string) string {
		return fmt.Sprintf(`
server: { dataDir: %q }
nats: { listen: "127.0.0.1:0" }
functions:
  picky:
    type: exec
    # Fails permanently (exit 3) until the gate file exists.
    command: [ /bin/sh, -c, 'test -e "$GATE" || exit 3; printf "%%s %%s\n" "$CB_RULE" "$CE_ID" >> "$OUT"' ]
    env: { OUT: %q, GATE: %q }
rules:
  - name: hello
    match: event.type == "com.example.hello"
    targets: [ { function: picky } ]
%s`, filepath.Join(dir, "data"), out, gate, extra)
	}
	writeFile(t, cfg, config(""))
	srv := startServer(t, "--config", cfg, "--http", "127.0.0.1:0", "--watch=false")
	var natsURL string
	select {
	case natsURL = <-srv.nats:
	case <-time.After(10 * time.Second):
		t.Fatal("server did not print its NATS address")
	}

	// events tail sees what publish stores.
	tail := make(chan string, 1)
	go func() {
		_, stdout, stderr := cli(t, "events", "tail", "--nats-url", natsURL, "--type", "com.example.hello", "--since", "1h", "--count", "1")
		tail <- stdout + stderr
	}()
	code, stdout, stderr := cli(t, "publish", "--server", srv.base, "--type", "com.example.hello", "--source", "/cli", "--id", "hello-1", "--data", `{"n":1}`)
	if code != exitOK || strings.TrimSpace(stdout) != "hello-1" {
		t.Fatalf("publish: %d %q %q", code, stdout, stderr)
	}
	select {
	case got := <-tail:
		if !strings.Contains(got, `"id":"hello-1"`) {
			t.Errorf("events tail printed %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("events tail printed nothing")
	}

	// The function refuses it permanently: a dead letter.
	testwait.For(t, 30*time.Second, "a dead letter", func() bool {
		_, stdout, _ := cli(t, "dlq", "list", "--server", srv.base)
		return strings.Contains(stdout, "permanent")
	})
	_, list, _ := cli(t, "dlq", "list", "--server", srv.base)
	if !strings.Contains(list, "hello") || !strings.Contains(list, "picky") {
		t.Errorf("dlq list:\n%s", list)
	}
	code, show, _ := cli(t, "dlq", "show", "1", "--server", srv.base)
	if code != exitOK || !strings.Contains(show, `"reason": "permanent"`) || !strings.Contains(show, "exited with code 3") {
		t.Errorf("dlq show: %d\n%s", code, show)
	}

	// purge wants a confirmation.
	if code, _, _ := cli(t, "dlq", "purge", "--server", srv.base); code != exitUsage {
		t.Errorf("dlq purge without --yes: exit %d, want %d", code, exitUsage)
	}

	// Fix the cause and redrive: the function runs.
	writeFile(t, gate, "")
	if code, stdout, stderr := cli(t, "dlq", "redrive", "--all", "--server", srv.base); code != exitOK || !strings.Contains(stdout, "redriven: 1") {
		t.Fatalf("redrive: %d %q %q", code, stdout, stderr)
	}
	testwait.For(t, 30*time.Second, "the redriven invocation", func() bool {
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), "hello hello-1")
	})

	// replay routes the stored event again, as new work.
	if code, stdout, stderr := cli(t, "replay", "--server", srv.base, "--from", "1h", "--rule", "hello"); code != exitOK || !strings.Contains(stdout, "1 invocations stored") {
		t.Fatalf("replay: %d %q %q", code, stdout, stderr)
	}
	testwait.For(t, 30*time.Second, "the replayed invocation", func() bool {
		b, _ := os.ReadFile(out)
		return strings.Count(string(b), "hello hello-1") == 2
	})

	// SIGHUP reloads the file: a new rule routes.
	writeFile(t, cfg, config(`  - name: goodbye
    match: event.type == "com.example.goodbye"
    targets: [ { function: picky } ]
`))
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// Until the reload lands, events of the new type match nothing; each try
	// is a new event (a repeated id would be deduplicated).
	try := 0
	testwait.For(t, 30*time.Second, "the reloaded rule", func() bool {
		try++
		cli(t, "publish", "--server", srv.base, "--type", "com.example.goodbye", "--source", "/cli", "--id", fmt.Sprintf("bye-%d", try))
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), "goodbye bye-")
	})
}
