package exec_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/functionstest"
	"github.com/codebridge/codebridge/internal/testwait"
)

func invoke(t *testing.T, fn functions.Function, inv functions.Invocation) (functions.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return fn.Invoke(ctx, inv)
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "plain.txt")
	if err := os.WriteFile(notExec, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src, want string
	}{
		{"no command", "timeout: 1s", "command: is required"},
		{"empty command", "command: []", "command: is required"},
		{"empty program", `command: [""]`, "command[0]: must name the program"},
		{"unknown program", "command: [no-such-program-cb-test]", `command[0]: "no-such-program-cb-test" not found in PATH`},
		{"missing file", "command: [" + dir + "/missing]", "command[0]:"},
		{"not executable", "command: [" + notExec + "]", "is not executable"},
		{"a directory", "command: [" + dir + "]", "is a directory"},
		{"unknown field", "command: [/bin/sh]\nshell: true", "field shell not found"},
		{"timeout without unit", "command: [/bin/sh]\ntimeout: 10", `invalid duration "10"`},
		{"negative timeout", "command: [/bin/sh]\ntimeout: -1s", "timeout: must not be negative"},
		{"negative output bound", "command: [/bin/sh]\nmaxOutputBytes: -1", "maxOutputBytes: must not be negative"},
		{"bad env name", "command: [/bin/sh]\nenv: {\"A=B\": x}", `env: "A=B" is not a valid variable name`},
		{"missing dir", "command: [/bin/sh]\ndir: " + dir + "/nope", "dir:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tryBuild(tt.src)
			if err == nil {
				t.Fatalf("built a function from %q, want an error containing %q", tt.src, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestConfigAccepts(t *testing.T) {
	tests := []string{
		"command: [sh, -c, 'exit 0']", // a bare name through PATH
		"command: [/bin/sh]\ntimeout: 7d\nmaxOutputBytes: 10\ninheritEnv: true\nenv: {A: b}",
		"command: [./ok.sh]\ndir: ../../testdata/functions/exec", // relative to dir
	}
	for _, src := range tests {
		if _, _, err := tryBuild(src); err != nil {
			t.Errorf("build %q: %v", src, err)
		}
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		code      int
		wantErr   bool
		permanent bool
	}{
		{0, false, false},
		{1, true, false},
		{2, true, false},
		{3, true, true},
		{4, true, false},
		{127, true, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			fn, _ := build(t, scriptConfig(t, "fail.sh", fmt.Sprintf("env: {FAIL_CODE: %q}", fmt.Sprint(tt.code))))
			_, err := invoke(t, fn, functionstest.NewInvocation(t))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if got := functions.IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent(%q) = %v, want %v", err, got, tt.permanent)
			}
			for _, want := range []string{fmt.Sprintf("exited with code %d", tt.code), "first stderr line", fmt.Sprintf("failing with code %d", tt.code)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestSignalIsRetryable(t *testing.T) {
	fn, _ := build(t, scriptConfig(t, "signal.sh"))
	_, err := invoke(t, fn, functionstest.NewInvocation(t))
	if err == nil || functions.IsPermanent(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
	if !strings.Contains(err.Error(), "killed by signal terminated") {
		t.Errorf("error %q does not name the signal", err)
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv("CB_TEST_LEAK", "engine-only")
	dir := t.TempDir()
	inv := functionstest.NewInvocation(t)
	inv.Attempt = 3
	inv.Rule = "audit-rule"
	inv.Function = "audit"
	want := map[string]string{
		"CE_ID":            inv.Event.ID(),
		"CE_TYPE":          inv.Event.Type(),
		"CE_SOURCE":        inv.Event.Source(),
		"CE_SUBJECT":       inv.Event.Subject(),
		"CE_TIME":          inv.Event.Time().UTC().Format(time.RFC3339Nano),
		"CB_INVOCATION_ID": inv.ID,
		"CB_ATTEMPT":       "3",
		"CB_RULE":          "audit-rule",
		"CB_FUNCTION":      "audit",
		"CUSTOM":           "configured",
		"PWD":              dir,
	}
	for _, inherit := range []bool{false, true} {
		t.Run(fmt.Sprintf("inheritEnv=%v", inherit), func(t *testing.T) {
			fn, _ := build(t, scriptConfig(t, "env.sh",
				"env: {CUSTOM: configured, CE_ID: overridden}",
				"dir: "+dir,
				fmt.Sprintf("inheritEnv: %v", inherit)))
			res, err := invoke(t, fn, inv)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Events) != 1 {
				t.Fatalf("got %d events, want 1", len(res.Events))
			}
			var got map[string]string
			if err := json.Unmarshal(res.Events[0].Data(), &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if got["PATH"] == "" {
				t.Error("PATH is not passed to the program")
			}
			wantLeak := ""
			if inherit {
				wantLeak = "engine-only"
			}
			if got["LEAK"] != wantLeak {
				t.Errorf("engine variable CB_TEST_LEAK = %q in the program, want %q", got["LEAK"], wantLeak)
			}
		})
	}
}

func TestStdinCarriesInput(t *testing.T) {
	fn, _ := build(t, scriptConfig(t, "stdin.sh"))
	t.Run("custom input", func(t *testing.T) {
		inv := functionstest.NewInvocation(t)
		inv.Input = json.RawMessage(`{"body":"Build started for abc","n":[1,2]}`)
		res, err := invoke(t, fn, inv)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(res.Events[0].Data()); got != string(inv.Input) {
			t.Errorf("program read %s, want %s", got, inv.Input)
		}
	})
	t.Run("the event", func(t *testing.T) {
		inv := functionstest.NewInvocation(t)
		inv.Input = nil // no input: the event in JSON form
		res, err := invoke(t, fn, inv)
		if err != nil {
			t.Fatal(err)
		}
		var got events.Event
		if err := json.Unmarshal(res.Events[0].Data(), &got); err != nil {
			t.Fatalf("program did not read a CloudEvent: %v", err)
		}
		if got.ID() != inv.Event.ID() || got.Type() != inv.Event.Type() {
			t.Errorf("program read event %s/%s, want %s/%s", got.ID(), got.Type(), inv.Event.ID(), inv.Event.Type())
		}
	})
}

func TestStdoutEvents(t *testing.T) {
	fn, logs := build(t, scriptConfig(t, "output.sh"))
	res, err := invoke(t, fn, functionstest.NewInvocation(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 2 {
		t.Fatalf("got %d events, want 2: %v", len(res.Events), res.Events)
	}
	full, short := res.Events[0], res.Events[1]
	if full.ID() != "full-1" || full.Type() != "com.example.full" || full.DataContentType() != "application/json" || string(full.Data()) != `{"ok":true}` {
		t.Errorf("full event = %v", full)
	}
	if short.Type() != "com.example.short" || short.SpecVersion() != "1.0" || short.ID() == "" || short.Time().IsZero() {
		t.Errorf("short event was not completed: %v", short)
	}
	for _, e := range res.Events {
		if err := events.Validate(e); err != nil {
			t.Errorf("emitted event %s is invalid: %v", e.ID(), err)
		}
	}
	for _, want := range []string{"building...", "a structured log line", "{not json", `"level":"debug"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs do not contain %q:\n%s", want, logs)
		}
	}
}

func TestInvalidEventIsPermanent(t *testing.T) {
	fn, _ := build(t, scriptConfig(t, "invalid.sh"))
	_, err := invoke(t, fn, functionstest.NewInvocation(t))
	if !functions.IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
	for _, want := range []string{"stdout line 2", "source: is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestOutputBound(t *testing.T) {
	tests := []struct {
		bytes   int
		wantErr bool
	}{
		{500, false},
		{5000, true},
		{3 << 20, true}, // more than a pipe holds: the program must not block
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.bytes), func(t *testing.T) {
			fn, _ := build(t, scriptConfig(t, "flood.sh", fmt.Sprintf("env: {FLOOD_BYTES: %q}", fmt.Sprint(tt.bytes)), "maxOutputBytes: 1000"))
			_, err := invoke(t, fn, functionstest.NewInvocation(t))
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !functions.IsPermanent(err) || !strings.Contains(err.Error(), "maxOutputBytes (1000 bytes)") {
				t.Errorf("err = %v, want a permanent error naming maxOutputBytes", err)
			}
		})
	}
}

func TestSecretsMasked(t *testing.T) {
	const secret = "s3cr3t-t0ken"
	for _, code := range []string{"0", "1"} {
		t.Run("exit "+code, func(t *testing.T) {
			fn, logs := build(t, scriptConfig(t, "secret.sh",
				fmt.Sprintf("env: {TOKEN: %s, FAIL_CODE: %q}", secret, code)), secret)
			res, err := invoke(t, fn, functionstest.NewInvocation(t))
			if code == "1" {
				if err == nil {
					t.Fatal("want an error")
				}
				if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "auth failed for token ***") {
					t.Errorf("error text is not masked: %q", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Events) != 1 || string(res.Events[0].Data()) != `{"token":"***"}` {
					t.Errorf("emitted event is not masked: %v", res.Events)
				}
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("logs hold the secret:\n%s", logs)
			}
			if !strings.Contains(logs.String(), "using token ***") || !strings.Contains(logs.String(), "auth failed for token ***") {
				t.Errorf("logs lack the masked lines:\n%s", logs)
			}
		})
	}
}

func TestInjection(t *testing.T) {
	dir := t.TempDir()
	canary := filepath.Join(dir, "canary")
	payloads := []string{
		"$(touch " + canary + ")",
		"`touch " + canary + "`",
		"; touch " + canary,
		"&& touch canary",
		"| touch canary",
		"$(touch canary)",
		"\n touch canary \n",
	}
	fn, logs := build(t, scriptConfig(t, "inject.sh", "dir: "+dir))
	for _, p := range payloads {
		e, err := events.New("com.example.inject", "/x/"+strings.TrimSpace(p), map[string]string{"title": p}, events.WithSubject(p))
		if err != nil {
			t.Fatal(err)
		}
		inv := functionstest.NewInvocation(t)
		inv.Event = e
		inv.Input, _ = json.Marshal(map[string]string{"body": p})
		if _, err := invoke(t, fn, inv); err != nil {
			t.Fatalf("payload %q: %v", p, err)
		}
	}
	// The program saw the text verbatim...
	if !strings.Contains(logs.String(), "subject: $(touch "+canary+")") {
		t.Errorf("the program did not see the subject verbatim:\n%s", logs)
	}
	// ...and nothing ran it.
	for _, c := range []string{canary, filepath.Join(dir, "canary")} {
		if _, err := os.Stat(c); err == nil {
			t.Errorf("canary %s exists: event text was run as shell code", c)
		}
	}
}

func TestTimeoutKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	fn, _ := build(t, scriptConfig(t, "block.sh", fmt.Sprintf("env: {CHILD_PID: %q}", pidFile), "timeout: 300ms"))
	_, err := invoke(t, fn, functionstest.NewInvocation(t))
	if err == nil || functions.IsPermanent(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
	if !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Errorf("error %q does not say it timed out", err)
	}
	pid := readPid(t, pidFile)
	testwait.For(t, 10*time.Second, "the script's process to exit", func() bool { return !alive(pid) })
}

func TestCancelKillsProcessGroup(t *testing.T) {
	tmp := t.TempDir()
	pidFile, started := filepath.Join(tmp, "child.pid"), filepath.Join(tmp, "started")
	fn, _ := build(t, scriptConfig(t, "block.sh", fmt.Sprintf("env: {CHILD_PID: %q, STARTED: %q}", pidFile, started)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := fn.Invoke(ctx, functionstest.NewInvocation(t))
		done <- err
	}()
	pid := readPid(t, pidFile)
	testwait.For(t, 10*time.Second, "the script to start", func() bool { _, err := os.Stat(started); return err == nil })
	if !alive(pid) {
		t.Fatal("the background child is not running before the cancellation")
	}
	cancel()
	select {
	case err := <-done:
		if err == nil || functions.IsPermanent(err) || !strings.Contains(err.Error(), "context canceled") {
			t.Errorf("err = %v, want a retryable cancellation error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Invoke did not return after cancellation")
	}
	testwait.For(t, 10*time.Second, "the script's process to exit", func() bool { return !alive(pid) })
}

func TestExitKillsLeftoverChildren(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	fn, _ := build(t, scriptConfig(t, "leave-child.sh", fmt.Sprintf("env: {CHILD_PID: %q}", pidFile)))
	if _, err := invoke(t, fn, functionstest.NewInvocation(t)); err != nil {
		t.Fatal(err)
	}
	pid := readPid(t, pidFile)
	testwait.For(t, 10*time.Second, "the script's process to exit", func() bool { return !alive(pid) })
}

func TestMissingProgramAtRunIsPermanent(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog.sh")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	fn, _ := build(t, "command: ["+prog+"]")
	if err := os.Remove(prog); err != nil {
		t.Fatal(err)
	}
	_, err := invoke(t, fn, functionstest.NewInvocation(t))
	if !functions.IsPermanent(err) {
		t.Errorf("err = %v, want permanent", err)
	}
}
