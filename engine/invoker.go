package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// invoker runs one function: a durable consumer on its work-queue subject
// whose MaxAckPending is the function's concurrency, shared by every worker
// of a cluster.
type invoker struct {
	eng         *Engine
	name        string
	fn          functions.Function
	concurrency int
	timeout     time.Duration
	ackWait     time.Duration
	log         zerolog.Logger
	inflight    sync.WaitGroup
	slots       inlineSlots // inline attempts on this worker
	// The function's series, looked up once rather than per invocation.
	seconds  prometheus.Observer
	outcomes [4]prometheus.Counter
	// cancel stops in-flight invocations when a graceful shutdown runs out of time.
	ctx    context.Context
	cancel context.CancelFunc
}

func consumerName(function string) string { return "cb-fn-" + subjectToken(function) }

func (iv *invoker) start(ctx context.Context) (jetstream.ConsumeContext, error) {
	cons, err := iv.eng.bus.cjs.CreateOrUpdateConsumer(ctx, StreamInvocations, jetstream.ConsumerConfig{
		Durable:       consumerName(iv.name),
		Description:   "codebridge invoker for function " + iv.name,
		FilterSubject: invokeSubject(iv.name),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       iv.ackWait,
		MaxAckPending: iv.concurrency,
		MaxDeliver:    -1, // the invoker counts attempts against the rule's policy
	})
	if err != nil {
		return nil, fmt.Errorf("engine: consumer for function %q: %w", iv.name, err)
	}
	iv.ctx, iv.cancel = context.WithCancel(context.WithoutCancel(ctx))
	cc, err := cons.Consume(func(m jetstream.Msg) {
		iv.inflight.Add(1)
		go func() {
			defer iv.inflight.Done()
			iv.handle(iv.ctx, m)
		}()
	}, jetstream.PullMaxMessages(max(iv.concurrency, 1)),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			iv.log.Debug().Err(err).Msg("consume")
		}))
	if err != nil {
		return nil, fmt.Errorf("engine: consume for function %q: %w", iv.name, err)
	}
	return cc, nil
}

// drain waits for in-flight invocations; past the deadline it cancels them
// (their messages are redelivered, to this or another worker).
func (iv *invoker) drain(deadline time.Duration) {
	done := make(chan struct{})
	go func() { iv.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(deadline):
		iv.log.Warn().Msg("shutdown: cancelling invocations still running")
		iv.cancel()
		<-done
	}
	iv.cancel()
}

// Outcome labels of codebridge_invocations_total, indexes into
// invoker.outcomes.
const (
	outcomeOK = iota
	outcomeRetry
	outcomePermanent
	outcomeExhausted
)

var outcomeLabels = [4]string{"ok", "retry", "permanent", "exhausted"}

// initMetrics resolves the function's series.
func (iv *invoker) initMetrics(m *metrics) {
	iv.seconds = m.invocationSeconds.WithLabelValues(iv.name)
	for i, l := range outcomeLabels {
		iv.outcomes[i] = m.invocations.WithLabelValues(iv.name, l)
	}
}

// verdict is what one attempt came to.
type verdict int

const (
	succeeded verdict = iota
	retry             // try again after delay
	dead              // dead-letter with reason
)

type outcome struct {
	verdict verdict
	delay   time.Duration
	reason  string
	err     error // masked
}

// handle runs one work-queue delivery and settles its message.
func (iv *invoker) handle(ctx context.Context, m jetstream.Msg) {
	delivered := 1
	if md, err := m.Metadata(); err == nil {
		delivered = int(md.NumDelivered)
	}
	inv, e, err := decodeInvocation(m.Headers(), m.Data())
	if err != nil {
		iv.settleQueue(ctx, m, inv, e, delivered, outcome{verdict: dead, reason: events.ReasonInvalid, err: err})
		return
	}
	attempt := delivered
	switch {
	case inv.Prior > 0 && !inv.NotBefore.IsZero():
		// A short retry queued without a schedule: its first delivery only
		// waits out the backoff, so it is no attempt.
		if delivered == 1 {
			_ = m.NakWithDelay(max(time.Until(inv.NotBefore), 0))
			return
		}
		attempt = inv.Prior + delivered - 1
	case inv.Prior > 0:
		attempt = inv.Prior + delivered // a scheduled retry
	}
	if attempt > 1 && time.Since(inv.Created) > inv.Retry.MaxAge {
		iv.settleQueue(ctx, m, inv, e, attempt-1, outcome{verdict: dead, reason: events.ReasonExhausted, err: fmt.Errorf("maxAge %s reached", inv.Retry.MaxAge)})
		return
	}
	stop := keepInProgress(m, iv.ackWait)
	out := iv.attempt(ctx, inv, e, attempt)
	stop()
	iv.settleQueue(ctx, m, inv, e, attempt, out)
}

// settleQueue maps an outcome onto the work-queue message: ack, nak with the
// backoff, or dead-letter then term.
func (iv *invoker) settleQueue(ctx context.Context, m jetstream.Msg, inv invocation, e events.Event, attempt int, out outcome) {
	switch out.verdict {
	case succeeded:
		// A lost ack means the invocation runs again: at-least-once, and the
		// function's idempotency (by invocation id) absorbs it.
		_ = m.Ack()
	case retry:
		if out.delay >= minScheduledRetry {
			if err := iv.scheduleRetry(ctx, inv, e, m.Headers(), attempt, out.delay); err == nil {
				_ = m.Ack()
				return
			}
		}
		_ = m.NakWithDelay(out.delay)
	case dead:
		if err := iv.deadLetterPatiently(ctx, m, inv, e, attempt, out); err != nil {
			iv.log.Error().Err(err).Msg("dead-letter invocation; it will be delivered again")
			_ = m.NakWithDelay(time.Second)
			return
		}
		_ = m.Term()
	}
}

// minScheduledRetry is the shortest backoff that waits as a scheduled
// message; shorter ones wait as a nak'ed message (holding a concurrency slot
// that briefly), since schedules have a resolution of seconds.
const minScheduledRetry = 2 * time.Second

// scheduleRetry stores the next attempt as a JetStream scheduled message that
// the server moves onto the function's work queue after delay. attempts is
// how many attempts were made.
func (iv *invoker) scheduleRetry(ctx context.Context, inv invocation, e events.Event, eventHeader nats.Header, attempts int, delay time.Duration) error {
	inv.Prior, inv.NotBefore = attempts, time.Time{}
	m, err := inv.msg(e, eventHeader)
	if err != nil {
		return err
	}
	m.Subject = retryPrefix + subjectToken(iv.name) + "." + inv.ID
	m.Header.Set(nats.MsgIdHdr, inv.ID+".retry."+strconv.Itoa(inv.Redriven)+"."+strconv.Itoa(attempts))
	_, err = iv.eng.bus.js.PublishMsg(ctx, m,
		jetstream.WithScheduleAt(time.Now().Add(delay)), jetstream.WithScheduleTarget(invokeSubject(iv.name)))
	if err != nil {
		iv.log.Warn().Err(err).Msg("schedule retry; waiting as a nak'ed message instead")
	}
	return err
}

// attempt runs the function once and says what should happen next. Events
// the function emitted are stored before it reports success.
func (iv *invoker) attempt(ctx context.Context, inv invocation, e events.Event, attempt int) outcome {
	eng := iv.eng
	// The tagged logger is built only when something is logged: a
	// successful invocation, the common case, logs nothing.
	logger := func() *zerolog.Logger {
		l := iv.log.With().Str("invocation", inv.ID).Str("rule", inv.Rule).Str("event", e.ID()).Int("attempt", attempt).Logger()
		return &l
	}
	start := time.Now()
	res, err := iv.call(ctx, functions.Invocation{
		ID: inv.ID, Attempt: attempt, Rule: inv.Rule, Function: iv.name,
		Event: e, Input: inv.input(e), Context: inv.Context,
	})
	iv.seconds.Observe(time.Since(start).Seconds())

	if err == nil {
		if perr := eng.emit(ctx, e, inv.Context, res.Events); perr != nil {
			// The effect happened but its events are not stored: run again;
			// the function sees the same invocation id and can skip the effect.
			logger().Error().Err(perr).Msg("store emitted events; retrying invocation")
			return outcome{verdict: retry, delay: inv.Retry.backoff(attempt)}
		}
		iv.outcomes[outcomeOK].Inc()
		if iv.log.GetLevel() <= zerolog.DebugLevel {
			logger().Debug().Dur("took", time.Since(start)).Msg("invocation succeeded")
		}
		return outcome{verdict: succeeded}
	}

	masked := errors.New(eng.masker.Load().Mask(err.Error()))
	switch {
	case functions.IsPermanent(err):
		// A function may report what it did before failing for good (for
		// example notification.failed per channel): store that first.
		if perr := eng.emit(ctx, e, inv.Context, res.Events); perr != nil {
			logger().Error().Err(perr).Msg("store events of a failed invocation; retrying")
			return outcome{verdict: retry, delay: inv.Retry.backoff(attempt)}
		}
		iv.outcomes[outcomePermanent].Inc()
		return outcome{verdict: dead, reason: events.ReasonPermanent, err: masked}
	case attempt >= inv.Retry.MaxAttempts:
		iv.outcomes[outcomeExhausted].Inc()
		return outcome{verdict: dead, reason: events.ReasonExhausted, err: masked}
	default:
		iv.outcomes[outcomeRetry].Inc()
		delay, ok := functions.RetryDelay(err)
		if !ok || delay <= 0 {
			delay = inv.Retry.backoff(attempt)
		}
		logger().Warn().Str("error", masked.Error()).Dur("retryIn", delay).Msg("invocation failed; will retry")
		return outcome{verdict: retry, delay: delay}
	}
}

// call invokes the function with the function's timeout; a panic is a
// retryable failure, not a crash of the worker.
func (iv *invoker) call(ctx context.Context, inv functions.Invocation) (res functions.Result, err error) {
	ctx, cancel := context.WithTimeout(ctx, iv.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			msg := iv.eng.masker.Load().Mask(fmt.Sprint(p))
			iv.log.Error().Str("panic", msg).Str("stack", iv.eng.masker.Load().Mask(string(debug.Stack()))).Msg("function panicked")
			err = fmt.Errorf("function panicked: %s", msg)
		}
	}()
	return iv.fn.Invoke(ctx, inv)
}

// deadLetterPatiently retries storing a dead letter for a while (keeping the
// message in progress): giving up means a redelivery, which would run the
// function again although it already failed for good.
func (iv *invoker) deadLetterPatiently(ctx context.Context, m jetstream.Msg, inv invocation, e events.Event, attempt int, out outcome) error {
	stop := keepInProgress(m, iv.ackWait)
	defer stop()
	var err error
	for wait := 250 * time.Millisecond; wait <= 8*time.Second; wait *= 2 {
		if err = iv.deadLetter(ctx, m, inv, e, attempt, out.reason, out.err); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
	return err
}

// deadLetter stores the failed invocation in CB_DLQ and announces it with an
// invocationFailed event. The caller removes the message only after it
// returns nil.
func (iv *invoker) deadLetter(ctx context.Context, m jetstream.Msg, inv invocation, e events.Event, attempts int, reason string, cause error) error {
	eng := iv.eng
	d := DeadLetter{
		ID: inv.ID, Rule: inv.Rule, Target: inv.Target, Function: iv.name,
		Reason: reason, Error: cause.Error(),
		Attempts: attempts, FailedAt: time.Now().UTC(), Redriven: inv.Redriven,
	}
	if e.ID() != "" {
		d.Event = events.AppendJSON(nil, e)
		d.Input = inv.input(e)
		d.Invocation, _ = json.Marshal(inv)
	}
	if d.ID == "" {
		if md, err := m.Metadata(); err == nil {
			d.ID = fmt.Sprintf("raw.%s.%d", iv.name, md.Sequence.Stream)
		}
	}
	if len(d.Event) == 0 {
		d.Event = []byte("null")
	}
	seq, err := deadLetter(ctx, eng.bus.js, d)
	if err != nil {
		return err
	}
	eng.metrics.deadLetters.WithLabelValues(iv.name, reason).Inc()
	if e.ID() != "" {
		if err := eng.announceFailure(ctx, e, inv, d, seq); err != nil {
			iv.log.Error().Err(err).Msg("publish invocationFailed event")
		}
	}
	iv.log.Error().Str("invocation", inv.ID).Str("rule", inv.Rule).Str("reason", reason).
		Int("attempts", attempts).Str("error", d.Error).Uint64("dlq", seq).Msg("invocation dead-lettered")
	return nil
}

// keepInProgress tells the server, every third of the ack wait, that the
// message is still being worked on, so a long invocation is not redelivered
// to a second worker while it runs.
func keepInProgress(m jetstream.Msg, ackWait time.Duration) (stop func()) {
	// One timer that re-arms itself: most invocations end before it first
	// fires, and then it costs no goroutine at all.
	every := ackWait / 3
	var mu sync.Mutex
	stopped := false
	var t *time.Timer
	mu.Lock() // the callback reads t: publish it first
	defer mu.Unlock()
	t = time.AfterFunc(every, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		_ = m.InProgress()
		t.Reset(every)
	})
	return func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
		t.Stop()
	}
}
