package replicate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"crypto/rand"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// Type is the function type name used in configuration.
const Type = "replicate"

func init() {
	functions.Register(functions.Spec{
		Type:    Type,
		Summary: "mirror a repository's branches and tags to other remotes (regions) on every reference change",
		New:     New,
	})
}

// progressEvery is how often git's progress is logged per target.
const progressEvery = 5 * time.Second

// Function is a configured replicate function.
type Function struct {
	name    string
	set     settings
	js      jetstream.JetStream
	log     zerolog.Logger
	dataDir string
	mask    masker // deps.Secrets and every target's token
	owner   string // this instance, in lock values

	askpass askpass

	storeMu sync.Mutex
	locks   jetstream.KeyValue
	state   jetstream.KeyValue

	// Settings tests change before the first Invoke.
	gitPath       string
	extraEnv      []string
	lockTTL       time.Duration
	progressEvery time.Duration
}

var (
	_ functions.Function     = (*Function)(nil)
	_ functions.Closer       = (*Function)(nil)
	_ functions.HTTPProvider = (*Function)(nil)
)

// New is the registry's factory for `type: replicate`.
func New(name string, decode func(v any) error, deps functions.Deps) (functions.Function, error) {
	var c Config
	if err := decode(&c); err != nil {
		return nil, err
	}
	return newFunction(name, c, deps)
}

func newFunction(name string, c Config, deps functions.Deps) (*Function, error) {
	set, err := c.validate()
	if err != nil {
		return nil, err
	}
	if deps.JetStream == nil {
		return nil, errors.New("replicate: needs JetStream for its locks and state (no server connection was given)")
	}
	if deps.DataDir == "" {
		return nil, errors.New("replicate: needs a data directory for its mirrors")
	}
	var tokens []string
	for _, t := range set.targets {
		tokens = append(tokens, t.token)
	}
	host, _ := os.Hostname()
	return &Function{
		name:          name,
		set:           set,
		js:            deps.JetStream,
		log:           deps.Logger,
		dataDir:       deps.DataDir,
		mask:          newMasker(deps.Secrets, tokens),
		owner:         fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8]),
		gitPath:       "git",
		lockTTL:       DefaultLockTTL,
		progressEvery: progressEvery,
	}, nil
}

// Close removes the askpass helper.
func (f *Function) Close() error { return f.askpass.close() }

// Invoke replicates the source repository of inv's event to every target.
//
// It either runs (holding the source's lock), or finds another invocation
// running and leaves a dirty marker that makes that one run again, then
// succeeds at once; see the package documentation for why that loses no
// update.
func (f *Function) Invoke(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
	src, repo, err := sourceOf(inv.Event)
	if err != nil {
		return functions.Result{}, functions.Permanent(err)
	}
	log := f.log.With().Str("repository", src.redacted).Str("invocation", inv.ID).Logger()
	if !f.allowed(repo, src) {
		log.Info().Msg("repository is not in this function's repositories list; skipped")
		return functions.Result{}, nil
	}
	locks, state, err := f.stores(ctx)
	if err != nil {
		return functions.Result{}, err
	}
	key := digest(f.name, src.key)
	j := &job{f: f, inv: inv, src: src, repo: repo, log: log, locks: locks, state: state,
		lockKey: "lock." + key, dirtyKey: dirtyPrefix + key, mirror: f.mirrorDir(key)}

	var out []events.Event
	run, mark := 1, true
	for {
		evs, ran, err := j.tryRun(ctx, run, mark)
		out = append(out, evs...)
		switch {
		case err != nil:
			// Result.Events are dropped with an error: what this
			// invocation learned (targets done, targets failed) is
			// published here instead.
			f.publish(ctx, out, log)
			return functions.Result{}, err
		case !ran && run == 1:
			again, err := j.coalesce(ctx)
			if err != nil || !again {
				return functions.Result{}, err
			}
			// The marker set on the first try still stands, or a run
			// that started since has cleared it and covers this event:
			// setting it again would only cost an extra run.
			mark = false
			continue
		case !ran:
			// Someone else took the lock after this run released it and
			// will see the dirty marker.
			return functions.Result{Events: out}, nil
		}
		dirty, err := j.dirty(ctx)
		if err != nil {
			f.publish(ctx, out, log)
			return functions.Result{}, err
		}
		if !dirty {
			return functions.Result{Events: out}, nil
		}
		log.Debug().Int("run", run).Msg("events arrived during the run; running again")
		run, mark = run+1, false
	}
}

// job is one invocation's work on one source.
type job struct {
	f        *Function
	inv      functions.Invocation
	src      repoURL
	repo     events.Repository
	log      zerolog.Logger
	locks    jetstream.KeyValue
	state    jetstream.KeyValue
	lockKey  string
	dirtyKey string
	mirror   string
}

// tryRun takes the lock and runs once. ran is false when the lock is held
// elsewhere; with mark, the dirty marker is then set and the lock tried
// once more, so that a holder releasing in between is not missed.
func (j *job) tryRun(ctx context.Context, run int, mark bool) (evs []events.Event, ran bool, err error) {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lv := lockValue{Owner: j.f.owner, Invocation: j.inv.ID, Repository: j.src.redacted, Since: time.Now().UTC()}
	l, err := acquire(ctx, j.locks, j.lockKey, lv, j.f.lockTTL, cancel)
	if errors.Is(err, errLockHeld) && mark {
		if err := j.markDirty(ctx); err != nil {
			return nil, false, err
		}
		l, err = acquire(ctx, j.locks, j.lockKey, lv, j.f.lockTTL, cancel)
	}
	if errors.Is(err, errLockHeld) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer l.release(ctx)
	if j.f.set.timeout > 0 {
		var stop context.CancelFunc
		runCtx, stop = context.WithTimeout(runCtx, j.f.set.timeout)
		defer stop()
	}
	// Clear the marker before fetching: every event marked until now is
	// covered by the fetch below, and one marked after is seen at the end.
	if err := j.state.Delete(ctx, j.dirtyKey); err != nil {
		return nil, true, fmt.Errorf("replicate: clear dirty marker: %w", err)
	}
	evs, err = j.replicate(runCtx, run)
	return evs, true, err
}

// coalesce decides for an invocation that found the source's lock held.
// Usually its change is the holder's follow-up run's business and it
// succeeds at once. It tries the lock again (again is true) when the lock
// has gone in the meantime (its holder may have died and the lock expired:
// nobody would see the dirty marker), or, after waiting for the lock to go,
// when the holder is an earlier attempt of this same invocation (JetStream
// redelivers only when that attempt stopped answering, so its worker is
// presumably dead). A lock whose holder stopped refreshing it makes the
// invocation come back once the lock has expired.
func (j *job) coalesce(ctx context.Context) (again bool, err error) {
	holder, age, held, err := readLock(ctx, j.locks, j.lockKey)
	switch {
	case err != nil:
		return false, err
	case !held:
		return true, nil
	case j.inv.ID != "" && holder.Invocation == j.inv.ID:
		j.log.Info().Str("holder", holder.Owner).Msg("an earlier attempt of this invocation holds the lock; waiting for it to end")
		return true, j.waitFree(ctx)
	case age > j.f.lockTTL/2:
		wait := max(j.f.lockTTL-age, 0) + time.Second
		return false, functions.RetryAfter(fmt.Errorf("replicate: %s is locked by %s, which stopped refreshing the lock %s ago",
			j.src.redacted, holder.Owner, age.Round(time.Second)), wait)
	}
	j.log.Debug().Str("holder", holder.Owner).Msg("replication already running; coalesced into its follow-up run")
	return false, nil
}

// waitFree polls until the lock is released or expires.
func (j *job) waitFree(ctx context.Context) error {
	t := time.NewTicker(min(max(j.f.lockTTL/40, 20*time.Millisecond), 250*time.Millisecond))
	defer t.Stop()
	for {
		_, _, held, err := readLock(ctx, j.locks, j.lockKey)
		if err != nil || !held {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replicate: wait for the lock of %s: %w", j.src.redacted, context.Cause(ctx))
		case <-t.C:
		}
	}
}

func (j *job) markDirty(ctx context.Context) error {
	if _, err := j.state.Put(ctx, j.dirtyKey, []byte(j.inv.Event.ID())); err != nil {
		return fmt.Errorf("replicate: set dirty marker: %w", err)
	}
	return nil
}

func (j *job) dirty(ctx context.Context) (bool, error) {
	_, err := j.state.Get(ctx, j.dirtyKey)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("replicate: read dirty marker: %w", err)
	}
	return true, nil
}
