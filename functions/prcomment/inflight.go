package prcomment

import (
	"context"
	"sync"
)

// inflight serialises invocations of the same id within this process.
// JetStream can redeliver an invocation while an earlier delivery still
// runs (its ack wait passed); two concurrent runs would both list the
// comments, both miss the marker and both post. Across processes the window
// stays open; it is as narrow as one list-then-post.
type inflight struct {
	mu   sync.Mutex
	byID map[string]*idLock
}

type idLock struct {
	token chan struct{} // holds one value while someone runs
	users int
}

// lock waits until no other invocation of id runs here, or ctx is done, and
// returns the unlock function.
func (f *inflight) lock(ctx context.Context, id string) (unlock func(), err error) {
	f.mu.Lock()
	if f.byID == nil {
		f.byID = map[string]*idLock{}
	}
	l := f.byID[id]
	if l == nil {
		l = &idLock{token: make(chan struct{}, 1)}
		f.byID[id] = l
	}
	l.users++
	f.mu.Unlock()

	release := func() {
		f.mu.Lock()
		if l.users--; l.users == 0 {
			delete(f.byID, id)
		}
		f.mu.Unlock()
	}
	select {
	case l.token <- struct{}{}:
		return func() { <-l.token; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
