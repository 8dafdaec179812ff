package replicate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// waitDelay is how long a cancelled git may take to exit, and how long its
// output pipes may stay open after it did (a hook's child holding them),
// before Wait gives up on them.
const waitDelay = 5 * time.Second

// stderrKeep is how many of git's last stderr lines are kept for parsing
// and for the error message.
const stderrKeep = 40

// gitCmd is one git run.
type gitCmd struct {
	dir  string   // working directory (a bare mirror)
	args []string // after "git"; never passed through a shell
	env  []string // credentials and extra settings, appended last
	mask masker
	// progress, if set, sees every progress fragment git writes on stderr
	// (already masked); it rate-limits its own logging.
	progress func(line string)
}

// gitResult is what a finished git run printed.
type gitResult struct {
	stdout string
	stderr []string // the last stderrKeep lines, masked
}

// run executes c with its own process group, killed as a whole when ctx ends
// so that ssh, remote helpers and hooks do not outlive a cancelled run.
func (f *Function) run(ctx context.Context, c gitCmd) (gitResult, error) {
	args := append([]string{"-c", "credential.helper=", "-c", "core.askPass="}, c.args...)
	cmd := exec.CommandContext(ctx, f.gitPath, args...)
	cmd.Dir = c.dir
	cmd.Env = append(gitEnv(os.Environ()), f.extraEnv...)
	cmd.Env = append(cmd.Env, c.env...)
	var stdout bytes.Buffer
	lw := &lineWriter{mask: c.mask, progress: c.progress}
	cmd.Stdout = &stdout
	cmd.Stderr = lw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The negative pid addresses the group git leads.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
	lw.flush()
	res := gitResult{stdout: stdout.String(), stderr: lw.lines}
	if err == nil {
		return res, nil
	}
	op := c.args[0]
	if cerr := context.Cause(ctx); cerr != nil {
		return res, fmt.Errorf("git %s: %w", op, cerr)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return res, fmt.Errorf("git %s: %s (%s)", op, lastLines(res.stderr, 3), ee.ProcessState)
	}
	return res, fmt.Errorf("git %s: %s", op, c.mask.mask(err.Error()))
}

// lastLines joins the last n lines that are not progress chatter, which
// is where git puts its "fatal:" and "error:" messages.
func lastLines(lines []string, n int) string {
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := lines[i]; !isProgress(l) {
			out = append([]string{l}, out...)
		}
	}
	if len(out) == 0 {
		return "no message"
	}
	return strings.Join(out, "; ")
}

// scrubbedEnv are variables of the worker's environment that must not reach
// git: those that point it at another repository (set when codebridge runs
// from a git hook) and those that carry or ask for credentials, which this
// package sets itself per run.
var scrubbedEnv = []string{
	"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_COMMON_DIR",
	"GIT_QUARANTINE_PATH", "GIT_PREFIX", "GIT_ASKPASS", "SSH_ASKPASS",
	"GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT", "GIT_TERMINAL_PROMPT",
	"GIT_ALLOW_PROTOCOL", "GIT_PROTOCOL_FROM_USER", "GIT_CONFIG_PARAMETERS",
	"GIT_CONFIG_COUNT", "LC_ALL", "LANG", "LANGUAGE",
}

// gitEnv returns environ without scrubbedEnv (and numbered GIT_CONFIG_KEY_n
// / GIT_CONFIG_VALUE_n and this package's own askpass variables), plus the
// settings every run needs: never prompt, only the allowed protocols, and
// untranslated messages so they can be parsed.
func gitEnv(environ []string) []string {
	out := make([]string, 0, len(environ)+5)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "GIT_CONFIG_KEY_"), strings.HasPrefix(name, "GIT_CONFIG_VALUE_"),
			strings.HasPrefix(name, askpassEnvPrefix):
			continue
		}
		if !slices.Contains(scrubbedEnv, name) {
			out = append(out, kv)
		}
	}
	return append(out,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ALLOW_PROTOCOL="+allowProtocol,
		"GIT_PROTOCOL_FROM_USER=0",
		"LC_ALL=C",
		"LANGUAGE=C",
	)
}

// lineWriter splits git's stderr into lines at '\n' and '\r' (progress
// meters redraw with '\r'), masks each, hands progress to a callback and
// keeps the last lines.
type lineWriter struct {
	mask     masker
	progress func(string)
	partial  []byte
	lines    []string
}

// maxPartial bounds a line that never ends.
const maxPartial = 64 << 10

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			w.partial = append(w.partial, p...)
			if len(w.partial) > maxPartial {
				w.emit()
			}
			break
		}
		w.partial = append(w.partial, p[:i]...)
		w.emit()
		p = p[i+1:]
	}
	return n, nil
}

func (w *lineWriter) flush() {
	if len(w.partial) > 0 {
		w.emit()
	}
}

func (w *lineWriter) emit() {
	line := strings.TrimSpace(w.mask.mask(string(w.partial)))
	w.partial = w.partial[:0]
	if line == "" {
		return
	}
	if w.progress != nil && isProgress(line) {
		w.progress(line)
	}
	w.lines = append(w.lines, line)
	if len(w.lines) > stderrKeep {
		w.lines = w.lines[len(w.lines)-stderrKeep:]
	}
}

// isProgress reports whether a stderr line is one of git's progress meters
// ("Writing objects:  45% (9/20)", "remote: Counting objects: 100% ...").
func isProgress(line string) bool {
	l := strings.TrimPrefix(line, "remote: ")
	for _, p := range []string{"Enumerating objects", "Counting objects", "Compressing objects",
		"Writing objects", "Receiving objects", "Resolving deltas", "Total ", "Unpacking objects"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}
