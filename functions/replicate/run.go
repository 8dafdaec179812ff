package replicate

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// runState is what one run (fetch, then push to every target) shares.
type runState struct {
	src    repoURL
	mirror string
	mask   masker
	f      *Function
}

// progress returns a callback that logs git's progress for one phase
// ("fetch" or a target's name) at most once every progressEvery.
func (r *runState) progress(phase string) func(string) {
	var last time.Time
	return func(line string) {
		if now := time.Now(); now.Sub(last) >= r.f.progressEvery {
			last = now
			r.f.log.Info().Str("repository", r.src.redacted).Str("phase", phase).Str("progress", line).Msg("git progress")
		}
	}
}

// targetRun is one target in one run: its state key and last record.
type targetRun struct {
	t      target
	key    string
	status TargetStatus
}

// replicate is one run under the lock: bring the mirror up to the source,
// then push to every target that does not already have the source's state,
// in parallel. It returns an event per target pushed or failed, and an
// error (retryable unless the source is unusable) naming the targets that
// failed.
func (j *job) replicate(ctx context.Context, run int) ([]events.Event, error) {
	f := j.f
	r := &runState{src: j.src, mirror: j.mirror, mask: f.mask.with(j.src.password), f: f}
	all := make([]targetRun, 0, len(f.set.targets))
	for _, t := range f.set.targets {
		key := stateKey(f.name, j.src.key, t)
		st, err := loadState(ctx, j.state, key)
		if err != nil {
			return nil, err
		}
		all = append(all, targetRun{t: t, key: key, status: st})
	}

	state, refs, err := j.fetch(ctx, r)
	if err != nil {
		// No target can be brought up to date: each is told why.
		results := make([]pushResult, len(all))
		for i, tr := range all {
			results[i] = pushResult{target: tr.t, err: err}
		}
		evs, _ := j.record(ctx, r, run, "", 0, all, results)
		return evs, err
	}

	var todo []targetRun
	for _, tr := range all {
		if tr.status.SourceState == state && tr.status.LastError == "" {
			j.log.Debug().Str("target", tr.t.name).Msg("target already has the source's state; not pushed")
			continue
		}
		todo = append(todo, tr)
	}
	results := make([]pushResult, len(todo))
	var wg sync.WaitGroup
	for i, tr := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = f.push(ctx, r, tr.t)
		}()
	}
	wg.Wait()
	return j.record(ctx, r, run, state, refs, todo, results)
}

// fetch syncs the mirror and reads its state, refusing an empty source.
func (j *job) fetch(ctx context.Context, r *runState) (state string, refs int, err error) {
	if err := j.f.syncMirror(ctx, r); err != nil {
		return "", 0, err
	}
	state, refs, err = j.f.sourceState(ctx, r)
	if err != nil {
		return "", 0, err
	}
	if refs == 0 {
		return "", 0, functions.Permanent(fmt.Errorf("%w (%s)", ErrEmptySource, j.src.redacted))
	}
	return state, refs, nil
}

// record stores each target's new state and builds its event; it returns
// an error naming the targets that failed.
func (j *job) record(ctx context.Context, r *runState, run int, state string, refs int, trs []targetRun, results []pushResult) ([]events.Event, error) {
	var out []events.Event
	var failed []string
	for i, res := range results {
		tr := trs[i]
		now := time.Now().UTC()
		lag := j.lag(now)
		st := tr.status
		st.Function, st.Repository, st.Target, st.URL = j.f.name, j.src.redacted, tr.t.name, tr.t.url.redacted
		st.LastAttempt = now
		var ev events.Event
		var err error
		if res.err != nil {
			msg := r.mask.with(tr.t.token).mask(res.err.Error())
			failed = append(failed, msg)
			st.LastError, st.Failures = msg, st.Failures+1
			ev, err = j.event(events.ReplicationFailed, run, res, lag, msg)
			j.log.Warn().Str("target", tr.t.name).Str("error", msg).Msg("replication failed")
		} else {
			st.LastSuccess, st.LastError, st.Failures, st.LagMS = now, "", 0, lag.Milliseconds()
			st.SourceState, st.Refs = state, refs
			ev, err = j.event(events.ReplicationCompleted, run, res, lag, "")
			j.log.Info().Str("target", tr.t.name).Int("refs", len(res.refs)).Dur("took", res.duration).
				Int64("lagMs", lag.Milliseconds()).Msg("replicated")
		}
		// The record is written even when the invocation is being
		// cancelled: it is what lets the retry skip this target.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if serr := saveState(sctx, j.state, tr.key, st); serr != nil {
			j.log.Warn().Err(serr).Str("target", tr.t.name).Msg("store target state (the target is pushed again next time)")
		}
		cancel()
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
	if len(failed) == 0 {
		return out, nil
	}
	if len(failed) == len(results) && len(results) > 0 && results[0].err != nil && isShared(results) {
		// One cause for every target (the fetch): report it once.
		return out, results[0].err
	}
	return out, fmt.Errorf("replicate: %d of %d targets failed: %s", len(failed), len(j.f.set.targets), strings.Join(failed, "; "))
}

// isShared reports whether every result failed with the same error value.
func isShared(results []pushResult) bool {
	for _, r := range results[1:] {
		if r.err != results[0].err {
			return false
		}
	}
	return true
}

// lag is the time from the event that caused this run to now.
func (j *job) lag(now time.Time) time.Duration {
	t := j.inv.Event.Time()
	if t.IsZero() || now.Before(t) {
		return 0
	}
	return now.Sub(t)
}
