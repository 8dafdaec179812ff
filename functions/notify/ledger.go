package notify

import "sync"

// ledgerSize bounds how many invocations the ledger remembers. An invocation
// is retried within minutes to hours; by the time it is evicted its retries
// are long over, and the worst case of forgetting is one duplicate message.
const ledgerSize = 4096

// settled is how one channel of one invocation ended for good.
type settled struct {
	Target string
	// Err is empty when the channel delivered, else why it failed
	// permanently (masked).
	Err string
}

// ledger remembers, per invocation id, the channels that are settled, so that
// a retry after a partial failure sends only to the others, and a redelivery
// after a lost ack sends nothing twice. It lives in memory: after a restart a
// retry may repeat a channel, which receivers can deduplicate by webhook-id or
// Message-ID.
type ledger struct {
	mu    sync.Mutex
	max   int
	byID  map[string]map[string]settled
	order []string // insertion order, for eviction
}

func newLedger(max int) *ledger {
	return &ledger{max: max, byID: map[string]map[string]settled{}}
}

// get returns a copy of what is settled for id.
func (l *ledger) get(id string) map[string]settled {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]settled, len(l.byID[id]))
	for ch, s := range l.byID[id] {
		out[ch] = s
	}
	return out
}

// settle records that channel is done for id.
func (l *ledger) settle(id, channel string, s settled) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, ok := l.byID[id]
	if !ok {
		for len(l.order) >= l.max {
			delete(l.byID, l.order[0])
			l.order = l.order[1:]
		}
		m = map[string]settled{}
		l.byID[id] = m
		l.order = append(l.order, id)
	}
	m[channel] = s
}

// len reports how many invocations are remembered (for tests).
func (l *ledger) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byID)
}
