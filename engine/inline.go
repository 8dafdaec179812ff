package engine

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/rules"
)

// The inline path: when an event's only match is a function configured with
// `inline: true`, the router runs the first attempt itself instead of storing
// an invocation for the invoker, and acks the event only after the attempt's
// outcome is stored (success with its emitted events; a retry queued in
// CB_INVOCATIONS; or a dead letter). That saves a stream write and a consumer
// hop per event, which is most of the engine's cost for fast functions.
// Fan-out, retries and slow functions keep the work queue.

// inlineSlots bounds one function's inline attempts on this worker.
type inlineSlots chan struct{}

func (s inlineSlots) tryAcquire() bool {
	select {
	case s <- struct{}{}:
		return true
	default:
		return false
	}
}

func (s inlineSlots) release() { <-s }

// tryInline starts the inline attempt of the event's single match, or says it
// cannot (the function is not inline, or its slots on this worker are busy,
// in which case the invocation takes the work queue).
func (r *router) tryInline(ctx context.Context, m jetstream.Msg, e events.Event, match rules.Match) bool {
	iv := r.eng.inlineInvoker(match.Function)
	if iv == nil || !iv.slots.tryAcquire() {
		return false
	}
	inv := newInvocation(e, match, time.Now().UTC())
	r.inflight.Add(1)
	go func() {
		defer r.inflight.Done()
		defer iv.slots.release()
		stop := keepInProgress(m, routerAckWait)
		// The invoker's context: on shutdown an attempt may finish (up to
		// the drain deadline) rather than be cancelled with the router.
		out := iv.attempt(iv.ctx, inv, e, 1)
		stop()
		r.settleInline(iv.ctx, m, iv, inv, e, out)
	}()
	return true
}

// settleInline stores what the inline attempt came to, then acks the event.
// If that cannot be stored the event is nak'ed and routed again.
func (r *router) settleInline(ctx context.Context, m jetstream.Msg, iv *invoker, inv invocation, e events.Event, out outcome) {
	switch out.verdict {
	case succeeded:
	case retry:
		var err error
		if out.delay < minScheduledRetry || iv.scheduleRetry(ctx, inv, e, m.Headers(), 1, out.delay) != nil {
			inv.Prior = 1
			inv.NotBefore = time.Now().Add(out.delay)
			var msg *nats.Msg
			if msg, err = inv.msg(e, m.Headers()); err == nil {
				_, err = r.eng.bus.js.PublishMsg(ctx, msg)
			}
		}
		if err != nil {
			r.log.Error().Err(err).Str("event", e.ID()).Msg("queue retry of inline attempt; event will be routed again")
			_ = m.NakWithDelay(time.Second)
			return
		}
	case dead:
		if err := iv.deadLetterPatiently(ctx, m, inv, e, 1, out); err != nil {
			r.log.Error().Err(err).Msg("dead-letter inline attempt; event will be routed again")
			_ = m.NakWithDelay(time.Second)
			return
		}
	}
	_ = m.Ack()
}

// inlineInvoker returns the invoker of an inline function, or nil.
func (e *Engine) inlineInvoker(function string) *invoker {
	m := e.inline.Load()
	if m == nil {
		return nil
	}
	return (*m)[function]
}

// publishInline snapshots the inline invokers for the router (called with
// e.mu held, after functions start or are added).
func (e *Engine) publishInline() {
	cfg := e.cfg.Load()
	m := map[string]*invoker{}
	for name, iv := range e.invokers {
		if cfg.Functions[name].Inline {
			m[name] = iv
		}
	}
	e.inline.Store(&m)
}
