package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/rules"
)

// invocation is the body of a CB_INVOCATIONS message: everything the invoker
// needs to call the function, so it never looks anything up again.
type invocation struct {
	ID       string          `json:"id"`
	Rule     string          `json:"rule"`
	Target   int             `json:"target"`
	Function string          `json:"function"`
	Event    json.RawMessage `json:"event"` // CloudEvents JSON
	Input    json.RawMessage `json:"input"`
	Context  map[string]any  `json:"context,omitempty"`
	Retry    retryPolicy     `json:"retry"`
	Created  time.Time       `json:"created"`
	// Redriven counts how often the invocation came back from the DLQ.
	Redriven int `json:"redriven,omitempty"`
}

// retryPolicy is rules.RetryPolicy in plain durations.
type retryPolicy struct {
	MaxAttempts int           `json:"maxAttempts"`
	MaxAge      time.Duration `json:"maxAge"`
	BaseDelay   time.Duration `json:"baseDelay"`
	MaxDelay    time.Duration `json:"maxDelay"`
}

func retryFrom(p rules.RetryPolicy) retryPolicy {
	r := retryPolicy{
		MaxAttempts: p.MaxAttempts,
		MaxAge:      p.MaxAge.D(),
		BaseDelay:   p.BaseDelay.D(),
		MaxDelay:    p.MaxDelay.D(),
	}
	// Zero values mean the engine defaults; rules applies them, this guards
	// a hand-written policy.
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 185
	}
	if r.MaxAge <= 0 {
		r.MaxAge = 24 * time.Hour
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = time.Second
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = 5 * time.Minute
	}
	return r
}

// backoff is the delay before attempt n+1 after attempt n failed:
// exponential from BaseDelay, capped at MaxDelay, with "equal jitter" (half
// fixed, half random) so retries of a burst spread out but never collapse to
// zero.
func (p retryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	if d > p.MaxDelay {
		d = p.MaxDelay
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// invocationID is stable for one (event, rule, target): retries and a router
// that routes the same event twice produce the same id, so the stream
// deduplicates and functions can make their effects idempotent.
func invocationID(e events.Event, rule string, target int) string {
	sum := sha256.Sum256([]byte(events.MsgID(e) + "\x00" + rule + "\x00" + strconv.Itoa(target)))
	return hex.EncodeToString(sum[:16])
}

// newInvocation builds the invocation of one match.
func newInvocation(e events.Event, eventJSON []byte, m rules.Match, now time.Time) invocation {
	return invocation{
		ID:       invocationID(e, m.Rule, m.Target),
		Rule:     m.Rule,
		Target:   m.Target,
		Function: m.Function,
		Event:    eventJSON,
		Input:    m.Input,
		Context:  m.Context,
		Retry:    retryFrom(m.Retry),
		Created:  now,
	}
}

// msg encodes the invocation for the work queue, with its dedupe id.
func (inv invocation) msg() (*nats.Msg, error) {
	b, err := json.Marshal(inv)
	if err != nil {
		return nil, fmt.Errorf("engine: encode invocation: %w", err)
	}
	m := nats.NewMsg(invokeSubject(inv.Function))
	m.Data = b
	m.Header.Set(nats.MsgIdHdr, inv.ID+"."+strconv.Itoa(inv.Redriven))
	return m, nil
}

func decodeInvocation(data []byte) (invocation, events.Event, error) {
	var inv invocation
	if err := json.Unmarshal(data, &inv); err != nil {
		return inv, events.Event{}, fmt.Errorf("engine: decode invocation: %w", err)
	}
	var e events.Event
	if err := json.Unmarshal(inv.Event, &e); err != nil {
		return inv, e, fmt.Errorf("engine: decode invocation %s event: %w", inv.ID, err)
	}
	return inv, e, nil
}
