package exec_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/functions"
	_ "github.com/codebridge/codebridge/functions/exec"
	"github.com/codebridge/codebridge/internal/testwait"
)

// script returns the absolute path of a test program in testdata.
func script(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "functions", "exec", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// yamlDecode decodes src the way the engine decodes a function's block:
// YAML, unknown fields refused.
func yamlDecode(src string) func(any) error {
	return func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(src))
		dec.KnownFields(true)
		err := dec.Decode(v)
		if errors.Is(err, io.EOF) {
			return nil // an empty block
		}
		return err
	}
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

// build builds an exec function from YAML through the registry.
func build(t testing.TB, src string, secrets ...string) (functions.Function, *logBuf) {
	t.Helper()
	fn, logs, err := tryBuild(src, secrets...)
	if err != nil {
		t.Fatalf("build exec function: %v", err)
	}
	return fn, logs
}

func tryBuild(src string, secrets ...string) (functions.Function, *logBuf, error) {
	spec, err := functions.Lookup("exec")
	if err != nil {
		return nil, nil, err
	}
	logs := &logBuf{}
	fn, err := spec.New("test-exec", yamlDecode(src), functions.Deps{
		Logger:  zerolog.New(logs).Level(zerolog.DebugLevel),
		Secrets: secrets,
	})
	return fn, logs, err
}

// scriptConfig is the YAML of a function that runs a test script with sh,
// followed by extra YAML lines.
func scriptConfig(t testing.TB, name string, extra ...string) string {
	t.Helper()
	return fmt.Sprintf("command: [/bin/sh, %q]\n%s", script(t, name), strings.Join(extra, "\n"))
}

// alive reports whether pid is a running process; a zombie (dead, not yet
// reaped by an init that does not reap) counts as gone.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the parenthesised command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return true
	}
	return s[i+2] != 'Z' && s[i+2] != 'X'
}

// readPid waits for a script to write a pid to path.
func readPid(t testing.TB, path string) int {
	t.Helper()
	var pid int
	testwait.For(t, 10*time.Second, "a pid in "+path, func() bool {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		_, err = fmt.Sscanf(string(b), "%d", &pid)
		return err == nil && pid > 0
	})
	return pid
}
