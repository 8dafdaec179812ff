package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/rules"
)

// hdrInvocation carries the invocation envelope (JSON) on a CB_INVOCATIONS
// message. The message itself is the event in the CloudEvents NATS binding's
// binary mode, copied from CB_EVENTS, so the router forwards the event
// without re-encoding it and the invoker reads it without parsing its data.
const hdrInvocation = "Cb-Invocation"

// invocation is the envelope: everything besides the event that the invoker
// needs to call the function, so it never looks anything up again.
type invocation struct {
	ID       string `json:"id"`
	Rule     string `json:"rule"`
	Target   int    `json:"target"`
	Function string `json:"function"`
	// Input is the rule target's input; absent when the input is the event.
	Input    json.RawMessage `json:"input,omitempty"`
	Context  map[string]any  `json:"context,omitempty"`
	Retry    retryPolicy     `json:"retry"`
	Created  time.Time       `json:"created"`
	Redriven int             `json:"redriven,omitempty"` // times it came back from the DLQ
	// Prior counts attempts made before the invocation was queued (the
	// router's inline attempt); the first delivery then waits until
	// NotBefore, the end of that attempt's backoff.
	Prior     int       `json:"prior,omitempty"`
	NotBefore time.Time `json:"notBefore,omitzero"`
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

// newInvocation builds the envelope of one match.
func newInvocation(e events.Event, m rules.Match, now time.Time) invocation {
	inv := invocation{
		ID:       invocationID(e, m.Rule, m.Target),
		Rule:     m.Rule,
		Target:   m.Target,
		Function: m.Function,
		Context:  m.Context,
		Retry:    retryFrom(m.Retry),
		Created:  now,
	}
	if !m.InputIsEvent {
		inv.Input = m.Input
	}
	return inv
}

// msg encodes the invocation for the work queue with its dedupe id.
// eventHeader is the event's binary-mode header as stored in CB_EVENTS, or
// nil to encode e afresh.
func (inv invocation) msg(e events.Event, eventHeader nats.Header) (*nats.Msg, error) {
	env, err := json.Marshal(inv)
	if err != nil {
		return nil, fmt.Errorf("engine: encode invocation: %w", err)
	}
	m := nats.NewMsg(invokeSubject(inv.Function))
	if eventHeader != nil && eventHeader.Get("ce-specversion") != "" {
		// Only the event: headers such as Nats-Expected-Stream were meant
		// for the event's own publish.
		for k, v := range eventHeader {
			if lk := strings.ToLower(k); strings.HasPrefix(lk, "ce-") || lk == "content-type" {
				m.Header[k] = v
			}
		}
	} else {
		m.Header = events.ToMsg(m.Subject, e).Header
	}
	m.Header.Set(hdrInvocation, string(env))
	m.Header.Set(nats.MsgIdHdr, inv.ID+"."+strconv.Itoa(inv.Redriven))
	m.Data = e.Data()
	return m, nil
}

// decodeInvocation reads a work-queue message. The event was validated when
// it entered CB_EVENTS, so it is only decoded here.
func decodeInvocation(h nats.Header, data []byte) (invocation, events.Event, error) {
	var inv invocation
	env := h.Get(hdrInvocation)
	if env == "" {
		return inv, events.Event{}, fmt.Errorf("engine: invocation message without %s header", hdrInvocation)
	}
	if err := json.Unmarshal([]byte(env), &inv); err != nil {
		return inv, events.Event{}, fmt.Errorf("engine: decode invocation: %w", err)
	}
	e, err := events.DecodeMsg(&nats.Msg{Header: h, Data: data})
	if err != nil {
		return inv, e, fmt.Errorf("engine: decode invocation %s event: %w", inv.ID, err)
	}
	return inv, e, nil
}

// input is what the function gets: the target's input, or the event in
// CloudEvents JSON.
func (inv invocation) input(e events.Event) json.RawMessage {
	if len(inv.Input) > 0 {
		return inv.Input
	}
	return events.AppendJSON(make([]byte, 0, 512+len(e.Data())), e)
}
