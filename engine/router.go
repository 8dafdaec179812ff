package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/rules"
)

// routerAckWait is the router consumer's ack wait; an inline attempt keeps
// its event with in-progress acks.
const routerAckWait = 30 * time.Second

// router consumes CB_EVENTS, matches each event against the current rule set
// and stores one invocation per (rule, target). It acks an event only after
// every invocation it produced has its PubAck.
type router struct {
	eng      *Engine
	log      zerolog.Logger
	work     chan jetstream.Msg
	workers  sync.WaitGroup
	inflight sync.WaitGroup
	warnings throttle
}

// throttle lets a rule's evaluation errors through to the log once a minute:
// a rule that fails on most events would otherwise flood it (the metric
// codebridge_rule_evaluation_errors_total counts every one).
type throttle struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (t *throttle) allow(err error) bool {
	key := err.Error()
	var ee *rules.EvalError
	if errors.As(err, &ee) {
		key = ee.Rule
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		t.last = map[string]time.Time{}
	}
	if time.Since(t.last[key]) < time.Minute {
		return false
	}
	t.last[key] = time.Now()
	return true
}

func newRouter(eng *Engine) *router {
	return &router{eng: eng, log: eng.log.With().Str("component", "router").Logger()}
}

// start creates (or joins) the durable router consumer and starts the workers.
// Every codebridge process of a cluster shares the one durable consumer, so
// each event is routed once (at least once after a crash).
func (r *router) start(ctx context.Context) (jetstream.ConsumeContext, error) {
	cons, err := r.eng.bus.cjs.CreateOrUpdateConsumer(ctx, StreamEvents, jetstream.ConsumerConfig{
		Durable:       routerConsumer,
		Description:   "codebridge router: events -> invocations",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       routerAckWait,
		MaxAckPending: 4096,
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("engine: router consumer: %w", err)
	}
	n := runtime.GOMAXPROCS(0)
	r.work = make(chan jetstream.Msg, 256)
	for i := 0; i < n; i++ {
		r.workers.Add(1)
		go func() {
			defer r.workers.Done()
			for m := range r.work {
				r.route(ctx, m)
			}
		}()
	}
	cc, err := cons.Consume(func(m jetstream.Msg) { r.work <- m },
		jetstream.PullMaxMessages(512),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			r.log.Debug().Err(err).Msg("consume")
		}))
	if err != nil {
		close(r.work)
		return nil, fmt.Errorf("engine: router consume: %w", err)
	}
	return cc, nil
}

// stop waits for the workers and the pending acks after the consumer stopped.
func (r *router) stop() {
	close(r.work)
	r.workers.Wait()
	r.inflight.Wait()
}

// route handles one event message.
func (r *router) route(ctx context.Context, m jetstream.Msg) {
	eng := r.eng
	decode := events.FromMsg
	if m.Headers().Get(hdrValidated) != "" {
		decode = events.DecodeMsg
	}
	e, err := decode(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
	if err != nil {
		r.refuse(ctx, m, events.Event{}, events.ReasonInvalid, err)
		return
	}
	if hops := events.Hops(e); hops > eng.hopLimit {
		r.refuse(ctx, m, e, events.ReasonLoop, fmt.Errorf("hop count %d is past the limit %d", hops, eng.hopLimit))
		return
	}
	set := eng.rules.Load()
	// Messages still buffered when a shutdown begins are routed in full:
	// a cancelled context would make Match stop early and look like "no
	// match", and the event would be acked unrouted.
	mctx := context.WithoutCancel(ctx)
	matches, errs := set.Match(mctx, e)
	matches = append(matches, scheduledMatches(mctx, set, e)...)
	for _, err := range errs {
		eng.metrics.ruleErrors.Inc()
		if r.warnings.allow(err) {
			r.log.Warn().Err(err).Str("event", e.ID()).Str("type", e.Type()).Msg("rule evaluation failed; treated as no match (logged once a minute per rule)")
		}
	}
	eng.metrics.eventsRouted.Inc()
	if len(matches) == 0 {
		_ = m.Ack()
		return
	}
	if len(matches) == 1 && r.tryInline(ctx, m, e, matches[0]) {
		return
	}
	now := time.Now().UTC()
	futures := make([]jetstream.PubAckFuture, 0, len(matches))
	for _, match := range matches {
		inv := newInvocation(e, match, now)
		msg, err := inv.msg(e, m.Headers())
		if err == nil {
			var f jetstream.PubAckFuture
			f, err = eng.bus.js.PublishMsgAsync(msg, stallWait)
			futures = append(futures, f)
		}
		if err != nil {
			r.log.Error().Err(err).Str("event", e.ID()).Msg("store invocation; event will be routed again")
			_ = m.NakWithDelay(time.Second)
			return
		}
		eng.metrics.invocationsCreated.Inc()
	}
	r.inflight.Add(1)
	go func() {
		defer r.inflight.Done()
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				r.log.Error().Err(err).Str("event", e.ID()).Msg("store invocation; event will be routed again")
				_ = m.NakWithDelay(time.Second)
				return
			}
		}
		_ = m.Ack()
	}()
}

// refuse dead-letters an event that must not be routed, then acks it.
func (r *router) refuse(ctx context.Context, m jetstream.Msg, e events.Event, reason string, cause error) {
	d := DeadLetter{Reason: reason, Error: cause.Error(), FailedAt: time.Now().UTC(), Attempts: 1}
	if e.ID() != "" {
		d.ID = events.MsgID(e)
		d.Event, _ = json.Marshal(e)
	} else {
		d.ID = fmt.Sprintf("raw.%s", m.Headers().Get(nats.MsgIdHdr))
		if md, err := m.Metadata(); err == nil {
			d.ID = fmt.Sprintf("raw.%d", md.Sequence.Stream)
		}
		d.Event, _ = json.Marshal(map[string]any{
			"subject": m.Subject(), "headers": m.Headers(), "data": base64.StdEncoding.EncodeToString(m.Data()),
		})
	}
	if _, err := deadLetter(ctx, r.eng.bus.js, d); err != nil {
		r.log.Error().Err(err).Msg("dead-letter refused event; will retry")
		_ = m.NakWithDelay(time.Second)
		return
	}
	r.eng.metrics.deadLetters.WithLabelValues(routerDLQ, reason).Inc()
	r.log.Warn().Str("event", e.ID()).Str("reason", reason).Err(cause).Msg("event dead-lettered, not routed")
	_ = m.Ack()
}
