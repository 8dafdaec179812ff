package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/codebridge/codebridge/internal/testwait"
)

// TestMain lets a test start this very binary as `codebridge`: with
// CODEBRIDGE_TEST_MAIN=1 the test binary runs the CLI instead of the tests,
// so process-level tests need no separate build step.
func TestMain(m *testing.M) {
	if os.Getenv("CODEBRIDGE_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// server is a `codebridge serve` child process.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
	done chan struct{}
	nats chan string // the embedded NATS URL, when the server prints one
}

var (
	listenLine = regexp.MustCompile(`HTTP API on (http://\S+)`)
	natsLine   = regexp.MustCompile(`embedded NATS on (nats://\S+)`)
)

// startServer runs `codebridge serve` as a child process and waits until it
// says where it listens and answers /readyz.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--log-format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "CODEBRIDGE_TEST_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &bytes.Buffer{}, done: make(chan struct{}), nats: make(chan string, 1)}
	cmd.Stderr = &syncWriter{w: s.logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
			if m := natsLine.FindStringSubmatch(sc.Text()); m != nil {
				s.nats <- m[1]
			}
		}
	}()
	select {
	case s.base = <-found:
	case <-s.done:
		t.Fatalf("server exited early:\n%s", s.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server did not say where it listens")
	}
	testwait.For(t, 30*time.Second, "server ready", func() bool {
		resp, err := http.Get(s.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return s
}

// stop sends sig and waits for the process to end.
func (s *server) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	<-s.done
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// countLines reads the ids the exec function appended.
func countLines(t *testing.T, path string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			seen[l]++
		}
	}
	return seen
}

// TestCrashLosesNothing is the at-least-once test: 1,000 events are accepted,
// the server is stopped while it works through them (killed with SIGKILL, or
// shut down gracefully with SIGTERM with a backlog buffered), and after a
// restart on the same data directory every event has reached the function
// (duplicates are allowed and counted, losses are not).
func TestCrashLosesNothing(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) { stopMidFlight(t, sig) })
	}
}

func stopMidFlight(t *testing.T, sig syscall.Signal) {
	dir := t.TempDir()
	out := filepath.Join(dir, "ids.txt")
	cfg := filepath.Join(dir, "codebridge.yaml")
	// The function is a real process; the event id reaches it only as an
	// environment variable, never as part of the script.
	writeFile(t, cfg, fmt.Sprintf(`
server: { dataDir: %q }
nats: { listen: "" }
functions:
  record:
    type: exec
    command: [ /bin/sh, -c, 'printf "%%s\n" "$CE_ID" >> "$OUT"' ]
    env: { OUT: %q }
    concurrency: 4
rules:
  - name: record-all
    match: event.type == "com.example.crash"
    targets: [ { function: record } ]
`, filepath.Join(dir, "data"), out))

	const total = 1000
	srv := startServer(t, "--config", cfg, "--http", "127.0.0.1:0")
	for b := 0; b < total/100; b++ {
		var batch []string
		for i := b * 100; i < (b+1)*100; i++ {
			batch = append(batch, fmt.Sprintf(`{"specversion":"1.0","id":"ev-%04d","source":"/crash","type":"com.example.crash","data":{"i":%d}}`, i, i))
		}
		resp, err := http.Post(srv.base+"/events", "application/cloudevents-batch+json", strings.NewReader("["+strings.Join(batch, ",")+"]"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("batch %d: %s", b, resp.Status)
		}
	}
	testwait.For(t, 60*time.Second, "work in progress", func() bool { return len(countLines(t, out)) >= 50 })
	srv.stop(t, sig)
	before := len(countLines(t, out))
	t.Logf("stopped (%s) with %d of %d events handled", sig, before, total)

	startServer(t, "--config", cfg, "--http", "127.0.0.1:0")
	testwait.For(t, 120*time.Second, "every event handled after restart", func() bool { return len(countLines(t, out)) == total })
	dups := 0
	for id, n := range countLines(t, out) {
		if !strings.HasPrefix(id, "ev-") {
			t.Errorf("unexpected line %q", id)
		}
		dups += n - 1
	}
	t.Logf("after restart: %d distinct ids, %d duplicate deliveries", total, dups)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
