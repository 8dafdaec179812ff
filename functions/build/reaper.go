package build

import (
	"context"
	"errors"
	"time"

	"github.com/codebridge/codebridge/functions/build/runner"
)

// lostAfter is how many heartbeat intervals of silence make a build lost.
const lostAfter = 3

// reapLoop checks for lost builds at once and then every heartbeat
// interval, until ctx ends.
func (f *Function) reapLoop(ctx context.Context, st *store) {
	t := time.NewTicker(f.cfg.HeartbeatInterval.D())
	defer t.Stop()
	for {
		if n, err := f.reap(ctx, st, time.Now()); err != nil && ctx.Err() == nil {
			f.log.Warn().Err(err).Msg("reap lost builds")
		} else if n > 0 {
			f.log.Info().Int("builds", n).Msg("marked builds of lost workers FAILED")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reap marks IN_PROGRESS builds whose heartbeat is older than lostAfter
// intervals FAILED ("worker lost") and publishes their build.stateChanged.
// Several workers may reap at once: the compare-and-set update lets one win.
// It returns how many builds it marked.
func (f *Function) reap(ctx context.Context, st *store, now time.Time) (int, error) {
	records, err := st.list(ctx, "", 0)
	if err != nil {
		return 0, err
	}
	limit := lostAfter * f.cfg.HeartbeatInterval.D()
	n := 0
	for _, r := range records {
		if r.Done() || now.Sub(r.Heartbeat) <= limit {
			continue
		}
		// Re-read for the revision: the list is a snapshot.
		cur, rev, err := st.get(ctx, r.ID)
		if err != nil || cur.Done() || now.Sub(cur.Heartbeat) <= limit {
			continue
		}
		cur.Status, cur.Message, cur.Abandoned = StatusFailed, errWorkerLost.Error(), true
		cur.EndTime = now.UTC()
		cur.DurationMS = cur.EndTime.Sub(cur.StartTime).Milliseconds()
		for i := range cur.Phases {
			if cur.Phases[i].Status == StatusInProgress {
				cur.Phases[i].Status = StatusFailed
			}
		}
		if _, err := st.update(ctx, cur, rev); err != nil {
			if errors.Is(err, errConflict) {
				continue // its worker woke up, or another reaper won
			}
			return n, err
		}
		n++
		if e, err := stateEvent(cur, runner.NewMasker(f.deps.Secrets...), "lost"); err == nil {
			f.publishNow(ctx, e, cur)
		}
	}
	return n, nil
}
