package build

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/build/runner"
)

// Invoke builds the commit the event names. A build that runs to an end
// (SUCCEEDED, FAILED, STOPPED, TIMED_OUT) is a successful invocation whose
// Result holds the final build.stateChanged; an event that names nothing to
// build is a permanent error; a checkout that fails, or an invocation that
// ends before its build (the engine shutting down), is retryable.
func (f *Function) Invoke(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
	st, err := f.store(ctx)
	if err != nil {
		if errors.Is(err, ErrNoJetStream) {
			return functions.Result{}, functions.Permanent(fmt.Errorf("build %s: %w", f.name, err))
		}
		return functions.Result{}, fmt.Errorf("build %s: %w", f.name, err)
	}
	src, err := sourceOf(inv.Event, f.cfg)
	if err != nil {
		return functions.Result{}, functions.Permanent(fmt.Errorf("build %s: %w", f.name, err))
	}
	if res, ok := f.finished(ctx, st, inv); ok {
		return res, nil
	}
	rec, rev, err := f.newRecord(ctx, st, inv, src)
	if err != nil {
		return functions.Result{}, err
	}
	b := &buildRun{f: f, st: st, inv: inv, rec: rec, rev: rev, masker: runner.NewMasker(f.deps.Secrets...)}
	return b.run(ctx)
}

// finished returns the final event of an earlier, finished build of the
// same invocation, so a redelivery does not build twice. Builds that a
// worker abandoned (lost, shut down, checkout failed) are built again.
func (f *Function) finished(ctx context.Context, st *store, inv functions.Invocation) (functions.Result, bool) {
	if inv.ID == "" {
		return functions.Result{}, false
	}
	var id string
	if err := st.getState(ctx, invocationKey(inv.ID), &id); err != nil {
		return functions.Result{}, false
	}
	r, _, err := st.get(ctx, id)
	if err != nil || !r.Done() || r.Abandoned {
		return functions.Result{}, false
	}
	e, err := stateEvent(r, runner.NewMasker(f.deps.Secrets...), r.Status)
	if err != nil {
		return functions.Result{}, false
	}
	return functions.Result{Events: []events.Event{e}}, true
}

// project is the configured project, else the repository's name.
func (f *Function) project(src Source) string {
	if f.cfg.Project != "" {
		return f.cfg.Project
	}
	return keySafe(src.Repository.Name)
}

// newRecord numbers the build and stores its IN_PROGRESS record.
func (f *Function) newRecord(ctx context.Context, st *store, inv functions.Invocation, src Source) (*Record, uint64, error) {
	project := f.project(src)
	now := time.Now().UTC()
	for range 100 {
		n, err := st.nextNumber(ctx, project)
		if err != nil {
			return nil, 0, err
		}
		id := project + "-" + strconv.FormatInt(n, 10)
		r := &Record{
			ID: id, Number: n, Project: project, Function: f.name, Status: StatusInProgress,
			Source: src, StartTime: now, Worker: f.workerID, Heartbeat: now,
			LogURL:       f.cfg.PublicURL + "/api/builds/" + id + "/logs",
			InvocationID: inv.ID, Attempt: inv.Attempt, Rule: inv.Rule,
			TriggerEventID: inv.Event.ID(), TriggerHops: events.Hops(inv.Event), Context: inv.Context,
		}
		if src.Branch != "" {
			r.BadgeURL = f.cfg.PublicURL + "/badges/" + project + "/" + pathEscapeBranch(src.Branch) + ".svg"
		}
		rev, err := st.create(ctx, r)
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue // the number bucket was reset: take the next one
		}
		if err != nil {
			return nil, 0, err
		}
		if inv.ID != "" {
			if err := st.putState(ctx, invocationKey(inv.ID), id); err != nil {
				f.log.Warn().Err(err).Str("build", id).Msg("remember invocation")
			}
		}
		return r, rev, nil
	}
	return nil, 0, fmt.Errorf("build %s: no free build number for %s", f.name, project)
}
