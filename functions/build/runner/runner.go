package runner

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/codebridge/codebridge/functions/build/buildspec"
)

// Build and phase statuses (the build ones are CodeBuild's, as in
// events.Build*).
const (
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusStopped   = "STOPPED"
	StatusTimedOut  = "TIMED_OUT"
	StatusRunning   = "IN_PROGRESS"
	// StatusSkipped marks a declared phase that a failure kept from running.
	StatusSkipped = "SKIPPED"
)

// SucceedingVar is set to 1 while the build passes and 0 after a phase
// failed, like CODEBUILD_BUILD_SUCCEEDING.
const SucceedingVar = "CODEBRIDGE_BUILD_SUCCEEDING"

// PhaseResult is how one phase went.
type PhaseResult struct {
	Name     string    `json:"name"`
	Status   string    `json:"status"` // IN_PROGRESS, SUCCEEDED, FAILED, SKIPPED, STOPPED, TIMED_OUT
	Start    time.Time `json:"start,omitzero"`
	End      time.Time `json:"end,omitzero"`
	Duration int64     `json:"durationMs"`
	Message  string    `json:"message,omitempty"`
}

// Observer hears about progress while a build runs; all methods are called
// from the goroutine that called Run.
type Observer interface {
	PhaseStarted(name string)
	PhaseFinished(r PhaseResult)
	CommandStarted(phase string, index int, command string)
}

// Options configure one Run.
type Options struct {
	// Dir is the source directory the shell starts in.
	Dir string
	// Env is the environment of the shell (KEY=VALUE). The runner puts the
	// buildspec's env.variables under it (Env wins on a clash) and adds
	// CODEBRIDGE_BUILD_SUCCEEDING. Secrets resolved by the caller go here.
	Env []string
	// Masker hides secrets in every line before Log sees it.
	Masker *Masker
	// Log receives output and the runner's own lines, masked, one at a time.
	// It is called from one goroutine at a time.
	Log func(line string)
	// Observer, if set, hears phase and command starts.
	Observer Observer
}

// Result is how the build went.
type Result struct {
	Status   string        `json:"status"`
	Message  string        `json:"message,omitempty"`
	Phases   []PhaseResult `json:"phases"`
	Exported map[string]string
}

// Run runs spec's phases in opts.Dir. The error is only for what kept the
// build from running at all (bash missing, a full disk); a failing command is
// a FAILED result. Stop a build by cancelling ctx: with a deadline cause it
// ends TIMED_OUT, otherwise STOPPED with the cause as its message.
func Run(ctx context.Context, spec *buildspec.Spec, opts Options) (Result, error) {
	r, err := newRun(spec, opts)
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(r.priv)
	return r.run(ctx), nil
}

type run struct {
	spec     *buildspec.Spec
	opts     Options
	priv     string
	nonce    string
	commands []string
	logMu    sync.Mutex
	sess     *session
	sessions []*session
	failed   bool
}

func newRun(spec *buildspec.Spec, opts Options) (*run, error) {
	if opts.Masker == nil {
		opts.Masker = &Masker{}
	}
	if opts.Log == nil {
		opts.Log = func(string) {}
	}
	var nb [12]byte
	if _, err := rand.Read(nb[:]); err != nil {
		return nil, fmt.Errorf("runner: nonce: %w", err)
	}
	priv, err := os.MkdirTemp("", "codebridge-run-")
	if err != nil {
		return nil, fmt.Errorf("runner: private dir: %w", err)
	}
	r := &run{spec: spec, opts: opts, priv: priv, nonce: hex.EncodeToString(nb[:])}
	for _, p := range spec.Phases {
		r.commands = append(r.commands, p.Commands...)
		r.commands = append(r.commands, p.Finally...)
	}
	if err := writeFiles(priv, r.commands, spec.Env.ExportedVariables); err != nil {
		os.RemoveAll(priv)
		return nil, err
	}
	return r, nil
}

// log masks and passes on one line; output and the runner's own lines come
// from different goroutines.
func (r *run) log(line string) {
	line = r.opts.Masker.Mask(line)
	r.logMu.Lock()
	defer r.logMu.Unlock()
	r.opts.Log(line)
}

func (r *run) logf(format string, args ...any) {
	r.log("[codebridge] " + fmt.Sprintf(format, args...))
}

// shell returns the live session, starting one if there is none.
func (r *run) shell() (*session, error) {
	if r.sess != nil {
		select {
		case <-r.sess.exited:
			r.sess = nil
		default:
			return r.sess, nil
		}
	}
	succeeding := "1"
	if r.failed {
		succeeding = "0"
	}
	// env.variables first: the project's and codebridge's values win, as in
	// CodeBuild where the buildspec's variables have the lowest precedence.
	env := append(r.spec.Env.SortedVariables(), r.opts.Env...)
	env = append(env, SucceedingVar+"="+succeeding)
	s, err := startSession(r.priv, r.opts.Dir, r.nonce, env, r.log)
	if err != nil {
		return nil, err
	}
	if len(r.sessions) > 0 {
		r.logf("The previous shell exited; continuing in a new shell (variables and directory are reset)")
	}
	r.sess = s
	r.sessions = append(r.sessions, s)
	return s, nil
}

// stopStatus maps why ctx ended to a build status and message.
func stopStatus(ctx context.Context) (string, string) {
	cause := context.Cause(ctx)
	if errors.Is(cause, context.DeadlineExceeded) {
		if cause != context.DeadlineExceeded {
			return StatusTimedOut, cause.Error()
		}
		return StatusTimedOut, "build timed out"
	}
	if cause == nil || errors.Is(cause, context.Canceled) {
		return StatusStopped, "build stopped"
	}
	return StatusStopped, cause.Error()
}

func (r *run) run(ctx context.Context) Result {
	res := Result{Status: StatusSucceeded}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		for _, s := range r.sessions {
			s.close(cctx)
		}
	}()
	next := 0 // index into r.commands
	skipRest, skipAllButPost := false, false
	for _, ph := range r.spec.Phases {
		first := next
		next += len(ph.Commands) + len(ph.Finally)
		if skipRest || (skipAllButPost && ph.Name != buildspec.PostBuild) {
			r.logf("Skipping phase %s", strings.ToUpper(ph.Name))
			res.Phases = append(res.Phases, PhaseResult{Name: ph.Name, Status: StatusSkipped})
			continue
		}
		pr, err := r.phase(ctx, ph, first)
		res.Phases = append(res.Phases, pr)
		if err != nil {
			if ctx.Err() != nil {
				res.Status, res.Message = stopStatus(ctx)
				return res
			}
			res.Status, res.Message = StatusFailed, err.Error()
			return res
		}
		if pr.Status == StatusSucceeded {
			continue
		}
		if !r.failed {
			res.Message = fmt.Sprintf("phase %s failed: %s", ph.Name, pr.Message)
		}
		r.failed = true
		res.Status = StatusFailed
		if s, err := r.shell(); err == nil {
			_, _ = s.do(ctx, "fail", "fail")
		}
		switch ph.OnFailure {
		case buildspec.OnFailureAbort:
			skipRest = true
		case buildspec.OnFailureContinue:
		default:
			if ph.Name == buildspec.Install || ph.Name == buildspec.PreBuild {
				skipRest = true
			} else {
				skipAllButPost = true
			}
		}
	}
	if len(r.spec.Env.ExportedVariables) > 0 {
		res.Exported = r.exported(ctx)
	}
	return res
}

// phase runs one phase's commands, then its finally commands. The error is
// for a stopped build or a shell that cannot start.
func (r *run) phase(ctx context.Context, ph buildspec.Phase, first int) (PhaseResult, error) {
	label := strings.ToUpper(ph.Name)
	pr := PhaseResult{Name: ph.Name, Status: StatusRunning, Start: time.Now()}
	r.logf("Entering phase %s", label)
	if o := r.opts.Observer; o != nil {
		o.PhaseStarted(ph.Name)
	}
	finish := func(status, msg string) PhaseResult {
		pr.Status, pr.Message, pr.End = status, msg, time.Now()
		pr.Duration = pr.End.Sub(pr.Start).Milliseconds()
		r.logf("Phase complete: %s State: %s", label, status)
		if msg != "" {
			r.logf("Phase context: %s", msg)
		}
		if o := r.opts.Observer; o != nil {
			o.PhaseFinished(pr)
		}
		return pr
	}
	var failMsg string
	for i, c := range ph.Commands {
		rc, err := r.command(ctx, ph.Name, first+i, i, c)
		if err != nil {
			st, msg := stopStatus(ctx)
			if ctx.Err() == nil {
				st, msg = StatusFailed, err.Error()
			}
			return finish(st, msg), err
		}
		if rc != 0 {
			failMsg = fmt.Sprintf("command did not exit successfully: %s: exit status %d", c, rc)
			break
		}
	}
	for i, c := range ph.Finally {
		rc, err := r.command(ctx, ph.Name, first+len(ph.Commands)+i, len(ph.Commands)+i, c)
		if err != nil {
			st, msg := stopStatus(ctx)
			if ctx.Err() == nil {
				st, msg = StatusFailed, err.Error()
			}
			return finish(st, msg), err
		}
		if rc != 0 && failMsg == "" {
			failMsg = fmt.Sprintf("finally command did not exit successfully: %s: exit status %d", c, rc)
		}
	}
	if failMsg != "" {
		return finish(StatusFailed, r.opts.Masker.Mask(failMsg)), nil
	}
	return finish(StatusSucceeded, ""), nil
}

// command runs command number n and returns its exit status.
func (r *run) command(ctx context.Context, phase string, n, index int, text string) (int, error) {
	s, err := r.shell()
	if err != nil {
		return -1, err
	}
	r.logf("Running command %s", text)
	if o := r.opts.Observer; o != nil {
		o.CommandStarted(phase, index, text)
	}
	id := strconv.Itoa(n)
	rc, err := s.do(ctx, "run "+id, id)
	switch {
	case errors.Is(err, errShellExited):
		return rc, nil
	case err != nil:
		for _, s := range r.sessions {
			s.kill()
		}
		return -1, err
	}
	return rc, nil
}

// exported reads env.exported-variables from the shell at the end.
func (r *run) exported(ctx context.Context) map[string]string {
	s, err := r.shell()
	if err != nil {
		return nil
	}
	if _, err := s.do(ctx, "export", "export"); err != nil {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(r.priv, "exported"))
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			out[k] = v
		}
	}
	return out
}
