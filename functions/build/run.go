package build

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/build/buildspec"
	"github.com/codebridge/codebridge/functions/build/runner"
)

// errStopRequested is the cause of a build stopped through the API or CLI.
var errStopRequested = errors.New("stopped by request")

// timedOut is the cause of a build that ran out of time; it is a
// context.DeadlineExceeded for errors.Is.
type timedOut struct{ after time.Duration }

func (e timedOut) Error() string { return fmt.Sprintf("build timed out after %s", e.after) }
func (e timedOut) Unwrap() error { return context.DeadlineExceeded }

// buildRun is one build in progress on this worker.
type buildRun struct {
	f      *Function
	st     *store
	inv    functions.Invocation
	masker *runner.Masker
	sink   *logSink
	cancel context.CancelCauseFunc

	mu  sync.Mutex // guards rec and rev
	rec *Record
	rev uint64
}

// outcome is how execute ended.
type outcome struct {
	status    Status
	message   string
	abandoned bool // the worker's fault, not the commit's: build again
}

func (b *buildRun) run(ctx context.Context) (functions.Result, error) {
	f, id := b.f, b.rec.ID
	if e, err := stateEvent(b.rec, b.masker, StatusInProgress); err == nil {
		f.publishNow(ctx, e, b.rec)
	}
	sink, err := newLogSink(f.deps.JetStream.Conn(), id)
	if err != nil {
		return b.finish(ctx, outcome{status: StatusFailed, message: err.Error(), abandoned: true})
	}
	b.sink = sink

	timeout := f.cfg.Timeout.D()
	if dl, ok := ctx.Deadline(); ok {
		// Time the build out a little before the invocation's own deadline,
		// so it ends TIMED_OUT rather than abandoned.
		if left := time.Until(dl); left > time.Minute && left-30*time.Second < timeout {
			timeout = left - 30*time.Second
		}
	}
	bctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b.cancel = cancel
	tctx, cancelT := context.WithTimeoutCause(bctx, timeout, timedOut{timeout})
	defer cancelT()

	stopControl := b.control(tctx)
	out := b.execute(tctx)
	stopControl()

	switch cause := context.Cause(tctx); {
	case errors.Is(cause, errWorkerLost):
		// The reaper has given up on this build and published its end; the
		// invocation goes back to JetStream.
		b.logf("This worker lost the build (its heartbeat was late); the build will be retried")
		_ = sink.close(context.WithoutCancel(ctx), StatusFailed)
		return functions.Result{}, fmt.Errorf("build %s: %w", id, errWorkerLost)
	case ctx.Err() != nil:
		out = outcome{status: StatusFailed, message: "the worker stopped before the build finished: " + context.Cause(ctx).Error(), abandoned: true}
		if errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			out = outcome{status: StatusTimedOut, message: "the invocation's deadline passed before the build finished", abandoned: true}
		}
	}
	return b.finish(ctx, out)
}

// finish stores the final record and log end, updates the badge, and
// returns the final event (or, for an abandoned build, publishes it and
// returns a retryable error).
func (b *buildRun) finish(ctx context.Context, out outcome) (functions.Result, error) {
	f := b.f
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	b.mu.Lock()
	r := b.rec
	r.Status, r.Message, r.Abandoned = out.status, b.masker.Mask(out.message), out.abandoned
	r.EndTime = time.Now().UTC()
	r.DurationMS = r.EndTime.Sub(r.StartTime).Milliseconds()
	for i, v := range r.Exported {
		r.Exported[i] = b.masker.Mask(v)
	}
	b.mu.Unlock()

	b.logf("Build %s: %s", r.Status, r.Message)
	if b.sink != nil {
		if err := b.sink.close(wctx, r.Status); err != nil {
			f.log.Warn().Err(err).Str("build", r.ID).Msg("store build log")
		}
	}
	if err := b.save(wctx); err != nil {
		// The reaper wrote it meanwhile: this worker's result is the truth.
		if _, rev, gerr := b.st.get(wctx, r.ID); gerr == nil {
			b.mu.Lock()
			b.rev = rev
			b.mu.Unlock()
			err = b.save(wctx)
		}
		if err != nil {
			f.log.Warn().Err(err).Str("build", r.ID).Msg("store build record")
		}
	}
	if _, verdict := badgeState(r.Status); verdict && r.Source.Branch != "" && !out.abandoned {
		if err := b.st.putState(wctx, badgeKey(r.Project, r.Source.Branch), r.Status); err != nil {
			f.log.Warn().Err(err).Str("build", r.ID).Msg("store badge state")
		}
	}
	e, err := stateEvent(r, b.masker, r.Status)
	if err != nil {
		return functions.Result{}, fmt.Errorf("build %s: final event: %w", r.ID, err)
	}
	if out.abandoned {
		f.publishNow(wctx, e, r)
		return functions.Result{}, fmt.Errorf("build %s: %s", r.ID, r.Message)
	}
	return functions.Result{Events: []events.Event{e}}, nil
}

// save writes the record with compare-and-set. A conflict means the reaper
// declared this build lost: the build is cancelled.
func (b *buildRun) save(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	rev, err := b.st.update(ctx, b.rec, b.rev)
	if err != nil {
		return err
	}
	b.rev = rev
	return nil
}

// line sends one line to the log store, masked.
func (b *buildRun) line(s string) {
	if b.sink != nil {
		b.sink.Line(b.masker.Mask(s))
	}
}

func (b *buildRun) logf(format string, args ...any) {
	b.line("[codebridge] " + fmt.Sprintf(format, args...))
}

// displayURL drops any credentials from a clone URL before it is logged.
func displayURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = nil
	return u.String()
}

// execute checks out, runs the buildspec and handles artifacts, reports and
// the cache.
func (b *buildRun) execute(ctx context.Context) outcome {
	f, r := b.f, b.rec
	src := r.Source
	b.logf("Build %s of project %s, worker %s", r.ID, r.Project, f.workerID)
	if err := os.MkdirAll(f.cfg.Workdir, 0o755); err != nil {
		return outcome{status: StatusFailed, message: "workspace: " + err.Error(), abandoned: true}
	}
	ws, err := os.MkdirTemp(f.cfg.Workdir, r.ID+"-")
	if err != nil {
		return outcome{status: StatusFailed, message: "workspace: " + err.Error(), abandoned: true}
	}
	defer os.RemoveAll(ws)
	dir := filepath.Join(ws, "src")

	what := src.CommitID
	if what == "" {
		what = "the head of " + f.cfg.Branch
	}
	b.logf("Checking out %s at %s", displayURL(src.Repository.CloneURL), what)
	commit, err := f.mirrors.checkout(ctx, src.Repository.CloneURL, src.CommitID, f.cfg.Branch, dir)
	if err != nil {
		if ctx.Err() != nil {
			return b.stopped(ctx)
		}
		return outcome{status: StatusFailed, message: err.Error(), abandoned: true}
	}
	b.mu.Lock()
	r.Source.CommitID = commit
	b.mu.Unlock()
	src.CommitID = commit
	b.logf("Checked out %s", commit)

	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.cfg.Buildspec)))
	if err != nil {
		return outcome{status: StatusFailed, message: fmt.Sprintf("%s: not found in the repository at %s", f.cfg.Buildspec, commit)}
	}
	spec, err := buildspec.Parse(f.cfg.Buildspec, data)
	if err != nil {
		return outcome{status: StatusFailed, message: err.Error()}
	}

	var secretEnv []string
	if len(spec.Env.Secrets) > 0 {
		if src.Fork && !f.cfg.SecretsForForks {
			b.logf("Secrets are withheld from a build of a fork: %v", sortedKeys(spec.Env.Secrets))
		} else {
			env, values, err := resolveSecrets(ctx, f.secrets, spec.Env.Secrets)
			if err != nil {
				return outcome{status: StatusFailed, message: err.Error()}
			}
			secretEnv = env
			b.masker = runner.NewMasker(append(append([]string{}, f.deps.Secrets...), values...)...)
		}
	}
	env := baseEnv()
	for _, k := range sortedKeys(f.cfg.Environment) {
		env = append(env, k+"="+f.cfg.Environment[k])
	}
	env = append(env, secretEnv...)
	env = append(env, buildVars(r.ID, r.Number, r.Project, dir, src)...)

	if spec.Cache != nil {
		b.restoreCache(ctx, dir, src.Branch)
	}
	res, err := runner.Run(ctx, spec, runner.Options{
		Dir: dir, Env: env, Masker: b.masker, Log: b.line, Observer: b,
	})
	if err != nil {
		return outcome{status: StatusFailed, message: err.Error(), abandoned: true}
	}
	out := outcome{status: res.Status, message: res.Message}
	b.mu.Lock()
	r.Phases, r.Exported = res.Phases, res.Exported
	b.mu.Unlock()
	if res.Status == StatusStopped || res.Status == StatusTimedOut {
		return out
	}
	b.reports(dir, spec)
	if spec.Artifacts != nil {
		if err := b.uploadArtifacts(ctx, dir, spec.Artifacts); err != nil {
			b.logf("Artifacts: %v", err)
			if out.status == StatusSucceeded {
				out = outcome{status: StatusFailed, message: "artifacts: " + err.Error()}
			}
		}
	}
	if spec.Cache != nil && out.status == StatusSucceeded {
		b.saveCache(ctx, dir, src.Branch, spec.Cache)
	}
	return out
}

func (b *buildRun) stopped(ctx context.Context) outcome {
	cause := context.Cause(ctx)
	if errors.Is(cause, context.DeadlineExceeded) {
		return outcome{status: StatusTimedOut, message: cause.Error()}
	}
	return outcome{status: StatusStopped, message: cause.Error()}
}

// PhaseStarted implements runner.Observer.
func (b *buildRun) PhaseStarted(name string) {
	b.phase(runner.PhaseResult{Name: name, Status: StatusInProgress, Start: time.Now()})
}

// PhaseFinished implements runner.Observer.
func (b *buildRun) PhaseFinished(p runner.PhaseResult) { b.phase(p) }

// CommandStarted implements runner.Observer.
func (b *buildRun) CommandStarted(phase string, index int, _ string) {
	if b.f.onCommand != nil {
		b.f.onCommand(b.rec.ID, phase, index)
	}
}

// phase records a phase change and publishes build.phaseChanged.
func (b *buildRun) phase(p runner.PhaseResult) {
	b.mu.Lock()
	r := b.rec
	replaced := false
	for i := range r.Phases {
		if r.Phases[i].Name == p.Name {
			r.Phases[i], replaced = p, true
		}
	}
	if !replaced {
		r.Phases = append(r.Phases, p)
	}
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.save(ctx); errors.Is(err, errConflict) {
		b.cancel(errWorkerLost)
	}
	if e, err := phaseEvent(r, p); err == nil {
		b.f.publishNow(ctx, e, r)
	}
}
