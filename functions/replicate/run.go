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

// replicate is one run under the lock: bring the mirror up to the source,
// then push to every target that does not already have the source's state,
// in parallel. It returns an event per target pushed or failed, and an
// error (retryable) naming the targets that failed.
func (j *job) replicate(ctx context.Context, run int) ([]events.Event, error) {
	f := j.f
	r := &runState{src: j.src, mirror: j.mirror, mask: f.mask.with(j.src.password), f: f}
	start := time.Now()
	if err := f.syncMirror(ctx, r); err != nil {
		return nil, err
	}
	state, refs, err := f.sourceState(ctx, r)
	if err != nil {
		return nil, err
	}
	if refs == 0 {
		return nil, functions.Permanent(fmt.Errorf("%w (%s)", ErrEmptySource, j.src.redacted))
	}

	type pending struct {
		t      target
		key    string
		status TargetStatus
	}
	var todo []pending
	for _, t := range f.set.targets {
		key := stateKey(f.name, j.src.key, t)
		st, err := loadState(ctx, j.state, key)
		if err != nil {
			return nil, err
		}
		if st.SourceState == state && st.LastError == "" {
			j.log.Debug().Str("target", t.name).Msg("target already has the source's state; not pushed")
			continue
		}
		todo = append(todo, pending{t: t, key: key, status: st})
	}

	results := make([]pushResult, len(todo))
	var wg sync.WaitGroup
	for i, p := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = f.push(ctx, r, p.t)
		}()
	}
	wg.Wait()

	var out []events.Event
	var failed []string
	for i, res := range results {
		p := todo[i]
		now := time.Now().UTC()
		lag := j.lag(now)
		st := p.status
		st.Function, st.Repository, st.Target, st.URL = f.name, j.src.redacted, p.t.name, p.t.url.redacted
		st.LastAttempt = now
		var ev events.Event
		if res.err != nil {
			msg := r.mask.with(p.t.token).mask(res.err.Error())
			failed = append(failed, msg)
			st.LastError, st.Failures = msg, st.Failures+1
			ev, err = j.event(events.ReplicationFailed, run, res, lag, msg)
			j.log.Warn().Str("target", p.t.name).Str("error", msg).Msg("replication failed")
		} else {
			st.LastSuccess, st.LastError, st.Failures, st.LagMS = now, "", 0, lag.Milliseconds()
			st.SourceState, st.Refs = state, refs
			ev, err = j.event(events.ReplicationCompleted, run, res, lag, "")
			j.log.Info().Str("target", p.t.name).Int("refs", len(res.refs)).Dur("took", res.duration).
				Int64("lagMs", lag.Milliseconds()).Msg("replicated")
		}
		// The record must be written even when the invocation is being
		// cancelled: it is what lets the retry skip this target.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if serr := saveState(sctx, j.state, p.key, st); serr != nil {
			j.log.Warn().Err(serr).Str("target", p.t.name).Msg("store target state (the target is pushed again next time)")
		}
		cancel()
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
	j.log.Debug().Int("run", run).Int("pushed", len(todo)).Dur("took", time.Since(start)).Msg("run finished")
	if len(failed) > 0 {
		return out, fmt.Errorf("replicate: %d of %d targets failed: %s", len(failed), len(f.set.targets), strings.Join(failed, "; "))
	}
	return out, nil
}

// lag is the time from the event that caused this run to now.
func (j *job) lag(now time.Time) time.Duration {
	t := j.inv.Event.Time()
	if t.IsZero() || now.Before(t) {
		return 0
	}
	return now.Sub(t)
}
