package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// current is the value of a supersede key: the newest build of a project's
// pull request or branch.
type current struct {
	BuildID string `json:"buildId"`
	Commit  string `json:"commit"`
}

// control keeps the heartbeat going and watches for stop requests and newer
// builds until the returned function is called.
func (b *buildRun) control(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		b.heartbeat(ctx)
	}()
	go func() {
		defer wg.Done()
		b.watch(ctx)
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

func (b *buildRun) heartbeat(ctx context.Context) {
	t := time.NewTicker(b.f.cfg.HeartbeatInterval.D())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		b.mu.Lock()
		b.rec.Heartbeat = time.Now().UTC()
		b.mu.Unlock()
		wctx, cancel := context.WithTimeout(ctx, b.f.cfg.HeartbeatInterval.D())
		err := b.save(wctx)
		cancel()
		if errors.Is(err, errConflict) {
			b.cancel(errWorkerLost)
			return
		}
	}
}

// watch cancels the build on a stop request or, with cancelSuperseded, when
// a newer build of the same pull request or branch starts.
func (b *buildRun) watch(ctx context.Context) {
	r := b.rec
	keys := []string{stopKey(r.ID)}
	line := r.Source.supersedeKey()
	var curKey string
	if b.f.cfg.CancelSuperseded && line != "" {
		curKey = currentKey(r.Project, line)
		if err := b.st.putState(ctx, curKey, current{BuildID: r.ID, Commit: r.Source.CommitID}); err != nil {
			b.f.log.Warn().Err(err).Str("build", r.ID).Msg("claim current build")
			curKey = ""
		} else {
			keys = append(keys, curKey)
		}
	}
	w, err := b.st.state.WatchFiltered(ctx, keys, jetstream.UpdatesOnly())
	if err != nil {
		b.f.log.Warn().Err(err).Str("build", r.ID).Msg("watch stop requests")
		return
	}
	defer w.Stop()
	// A newer build may have claimed the key before the watch began.
	if curKey != "" {
		var cur current
		if err := b.st.getState(ctx, curKey, &cur); err == nil && cur.BuildID != r.ID {
			b.cancel(superseded(cur))
			return
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			switch e.Key() {
			case stopKey(r.ID):
				b.cancel(errStopRequested)
				return
			case curKey:
				var cur current
				if json.Unmarshal(e.Value(), &cur) == nil && cur.BuildID != r.ID {
					b.cancel(superseded(cur))
					return
				}
			}
		}
	}
}

func superseded(c current) error {
	if c.Commit != "" {
		return fmt.Errorf("superseded by %s", c.Commit)
	}
	return fmt.Errorf("superseded by build %s", c.BuildID)
}

// Stop asks the worker running build id to stop it, wherever it runs.
func (f *Function) Stop(ctx context.Context, id string) error {
	st, err := f.store(ctx)
	if err != nil {
		return err
	}
	r, _, err := st.get(ctx, id)
	if err != nil {
		return err
	}
	if r.Done() {
		return fmt.Errorf("%w: %s is %s", ErrNotRunning, id, r.Status)
	}
	if err := st.putState(ctx, stopKey(id), time.Now().UTC()); err != nil {
		return fmt.Errorf("build: stop %s: %w", id, err)
	}
	return nil
}
