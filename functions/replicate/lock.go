package replicate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/functions"
)

// Buckets this package keeps on JetStream.
const (
	// LocksBucket holds one key per (function, source) while a worker
	// replicates it. The bucket's TTL expires the lock of a worker that died.
	LocksBucket = "CB_REPLICATE_LOCKS"
	// StateBucket holds per-target replication state ("state.*" keys, read
	// by Status) and the dirty markers of coalesced events ("dirty.*").
	StateBucket = "CB_REPLICATION"
)

// DefaultLockTTL is how long a lock outlives the last refresh of its holder.
// The holder refreshes every quarter of it; a waiter that sees a lock older
// than half of it presumes the holder dead.
const DefaultLockTTL = 2 * time.Minute

// errLockHeld means another invocation (here or on another worker) holds
// the source's lock.
var errLockHeld = errors.New("replicate: lock held")

// lockValue is what a lock key holds: who holds it, for operators reading
// the bucket.
type lockValue struct {
	Owner      string    `json:"owner"`
	Invocation string    `json:"invocation,omitempty"`
	Repository string    `json:"repository"`
	Since      time.Time `json:"since"`
}

// stores returns the two buckets, creating them on first use. A bucket that
// already exists (made by an operator with the cluster's replica count, or
// by another worker) is used as it is.
func (f *Function) stores(ctx context.Context) (locks, state jetstream.KeyValue, err error) {
	f.storeMu.Lock()
	defer f.storeMu.Unlock()
	if f.locks != nil {
		return f.locks, f.state, nil
	}
	l, err := functions.OpenKeyValue(ctx, f.js, jetstream.KeyValueConfig{
		Bucket:      LocksBucket,
		Description: "codebridge replicate: one run at a time per source repository",
		TTL:         f.lockTTL,
		History:     1,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("replicate: %w", err)
	}
	// A bucket made elsewhere decides the TTL that refreshes and staleness
	// are measured against; one without a TTL would keep a dead worker's
	// lock for ever.
	ls, err := l.Status(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("replicate: bucket %s: %w", LocksBucket, err)
	}
	if ls.TTL() <= 0 {
		return nil, nil, fmt.Errorf("replicate: bucket %s has no TTL, so the lock of a worker that dies would never expire; recreate it with one (e.g. %s)", LocksBucket, DefaultLockTTL)
	}
	f.lockTTL = ls.TTL()
	s, err := functions.OpenKeyValue(ctx, f.js, jetstream.KeyValueConfig{
		Bucket:      StateBucket,
		Description: "codebridge replicate: per-target replication state",
		History:     1,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("replicate: %w", err)
	}
	f.locks, f.state = l, s
	return l, s, nil
}

// isConflict reports a failed compare-and-set: the key exists, or its
// revision moved. Replicated streams report it with another code.
func isConflict(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) ||
		(errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant))
}

// lock is a held lock with its refresher.
type lock struct {
	kv  jetstream.KeyValue
	key string
	val []byte
	ttl time.Duration

	mu   sync.Mutex
	rev  uint64
	stop chan struct{}
	done chan struct{}
}

// acquire takes the lock for key, or returns errLockHeld. While held, the
// lock is refreshed every ttl/4; if a refresh finds the lock gone or taken
// (this worker stalled past the TTL), lost is called with ErrLockLost so the
// run stops before it writes to the targets alongside the new holder.
func acquire(ctx context.Context, kv jetstream.KeyValue, key string, v lockValue, ttl time.Duration, lost func(error)) (*lock, error) {
	val, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("replicate: encode lock: %w", err)
	}
	rev, err := kv.Create(ctx, key, val)
	if isConflict(err) {
		return nil, errLockHeld
	}
	if err != nil {
		return nil, fmt.Errorf("replicate: take lock: %w", err)
	}
	l := &lock{kv: kv, key: key, val: val, ttl: ttl, rev: rev, stop: make(chan struct{}), done: make(chan struct{})}
	go l.refresh(lost)
	return l, nil
}

func (l *lock) refresh(lost func(error)) {
	defer close(l.done)
	t := time.NewTicker(l.ttl / 4)
	defer t.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.ttl/4)
		l.mu.Lock()
		rev, err := l.kv.Update(ctx, l.key, l.val, l.rev)
		if err == nil {
			l.rev = rev
		}
		l.mu.Unlock()
		cancel()
		switch {
		case err == nil:
			lastOK = time.Now()
		case isConflict(err), errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
			lost(fmt.Errorf("%w: %v", ErrLockLost, err))
			return
		case time.Since(lastOK) > l.ttl*3/4:
			// The bus has been unreachable for most of the TTL: by the time
			// it answers again the lock may have expired and been taken.
			lost(fmt.Errorf("%w: cannot refresh: %v", ErrLockLost, err))
			return
		}
	}
}

// release stops the refresher and deletes the lock if it is still this
// holder's. It runs even when the invocation's context has ended.
func (l *lock) release(ctx context.Context) {
	close(l.stop)
	<-l.done
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	// A mismatch means the lock expired and someone else holds it now:
	// theirs is left alone.
	_ = l.kv.Delete(ctx, l.key, jetstream.LastRevision(l.rev))
}

// readLock returns the current holder of a lock and how long ago it last
// refreshed it; held is false when nobody holds it.
func readLock(ctx context.Context, kv jetstream.KeyValue, key string) (v lockValue, age time.Duration, held bool, err error) {
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return v, 0, false, nil
	}
	if err != nil {
		return v, 0, false, fmt.Errorf("replicate: read lock: %w", err)
	}
	// A value that does not decode still means "held".
	_ = json.Unmarshal(e.Value(), &v)
	return v, time.Since(e.Created()), true, nil
}
