package schedule

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
)

// Publisher stores an event durably (returns after its PubAck). The engine's
// Publish is one.
type Publisher interface {
	Publish(ctx context.Context, e events.Event) error
}

// Entry is one scheduled rule.
type Entry struct {
	Rule     string
	Schedule Schedule
}

// Option configures a Scheduler.
type Option func(*Scheduler)

// WithClock replaces the wall clock: now reads the time and after returns a
// channel that receives once d has passed (time.Now and time.After by
// default). Tests drive the scheduler with a fake clock through it.
func WithClock(now func() time.Time, after func(d time.Duration) <-chan time.Time) Option {
	return func(s *Scheduler) {
		if now != nil {
			s.now = now
		}
		if after != nil {
			s.after = after
		}
	}
}

// Publishing a tick is retried with this backoff until the rule's next tick
// is due: later than that the tick is stale, and the other workers of a
// cluster publish it too.
const (
	firstRetry     = time.Second
	maxRetry       = 30 * time.Second
	publishTimeout = 30 * time.Second
)

// Scheduler publishes an engine.scheduled event at each due time of its
// entries. It waits on a timer for the earliest due time; it does not poll.
type Scheduler struct {
	pub   Publisher
	log   zerolog.Logger
	now   func() time.Time
	after func(time.Duration) <-chan time.Time

	mu       sync.Mutex
	entries  []Entry
	replaced chan struct{} // a token when entries changed; capacity 1
	running  atomic.Bool
}

// New returns a scheduler for entries that publishes through pub. Run starts
// it. It refuses an entry without a rule name or schedule, and two entries
// for one rule.
func New(entries []Entry, pub Publisher, log zerolog.Logger, opts ...Option) (*Scheduler, error) {
	if pub == nil {
		return nil, errors.New("schedule: publisher is required")
	}
	if err := check(entries); err != nil {
		return nil, err
	}
	s := &Scheduler{
		pub:      pub,
		log:      log.With().Str("component", "scheduler").Logger(),
		now:      time.Now,
		after:    time.After,
		entries:  append([]Entry(nil), entries...),
		replaced: make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Replace swaps the entries, for a config reload. A rule that keeps its
// schedule keeps its next due time; the others are planned from now. On an
// error the old entries stay.
func (s *Scheduler) Replace(entries []Entry) error {
	if err := check(entries); err != nil {
		return err
	}
	s.mu.Lock()
	s.entries = append([]Entry(nil), entries...)
	s.mu.Unlock()
	select {
	case s.replaced <- struct{}{}:
	default: // a reload is already pending; it will read these entries
	}
	return nil
}

func check(entries []Entry) error {
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		switch {
		case e.Rule == "":
			return fmt.Errorf("schedule: entries[%d].rule: is required", i)
		case e.Schedule == nil:
			return fmt.Errorf("schedule: entries[%d].schedule: is required (rule %q)", i, e.Rule)
		case seen[e.Rule]:
			return fmt.Errorf("schedule: entries[%d].rule: %q is scheduled twice", i, e.Rule)
		}
		seen[e.Rule] = true
	}
	return nil
}

// slot is an entry with its next due time; zero when it will not fire again.
type slot struct {
	Entry
	next time.Time
}

// Run fires the entries' ticks until ctx is done, then waits for the
// publishes in flight (which see ctx cancelled) and returns nil. A scheduler
// runs once at a time: a second concurrent Run returns ErrRunning.
func (s *Scheduler) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer s.running.Store(false)
	var inflight sync.WaitGroup
	defer inflight.Wait()

	slots := s.plan(nil)
	for {
		var wake <-chan time.Time // nil (never) when nothing is due
		if due, ok := earliest(slots); ok {
			wake = s.after(max(due.Sub(s.now()), 0))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.replaced:
			slots = s.plan(slots)
			continue
		case <-wake:
		}
		now := s.now()
		for i := range slots {
			sl := &slots[i]
			if sl.next.IsZero() || sl.next.After(now) {
				continue // not due (a clock stepped back wakes us early)
			}
			at := sl.next
			// From now, not from at: after a late wake-up the ticks
			// missed in between are skipped, not fired in a burst.
			sl.next = s.following(sl.Entry, laterOf(at, now))
			inflight.Add(1)
			go func(e Entry, at, stale time.Time) {
				defer inflight.Done()
				s.fire(ctx, e, at, stale)
			}(sl.Entry, at, sl.next)
		}
	}
}

// plan returns the slots of the current entries; an entry that was in old
// with the same schedule keeps its due time, so a reload racing a due tick
// does not lose it.
func (s *Scheduler) plan(old []slot) []slot {
	s.mu.Lock()
	entries := s.entries
	s.mu.Unlock()
	kept := make(map[string]slot, len(old))
	for _, sl := range old {
		kept[sl.Rule] = sl
	}
	now := s.now()
	slots := make([]slot, 0, len(entries))
	for _, e := range entries {
		if k, ok := kept[e.Rule]; ok && k.Schedule.String() == e.Schedule.String() {
			slots = append(slots, slot{Entry: e, next: k.next})
			continue
		}
		next := s.following(e, now)
		s.log.Info().Str("rule", e.Rule).Str("schedule", e.Schedule.String()).Time("next", next).Msg("scheduled")
		slots = append(slots, slot{Entry: e, next: next})
	}
	return slots
}

// following returns e's first due time after t, or zero (with a warning)
// when there is none or the schedule does not move forward, which would
// otherwise spin.
func (s *Scheduler) following(e Entry, t time.Time) time.Time {
	next := e.Schedule.Next(t)
	if next.IsZero() || !next.After(t) {
		s.log.Warn().Str("rule", e.Rule).Str("schedule", e.Schedule.String()).Msg("schedule has no next due time; rule will not fire")
		return time.Time{}
	}
	return next
}

func earliest(slots []slot) (time.Time, bool) {
	var due time.Time
	for _, sl := range slots {
		if !sl.next.IsZero() && (due.IsZero() || sl.next.Before(due)) {
			due = sl.next
		}
	}
	return due, !due.IsZero()
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fire publishes e's tick at, retrying with backoff until it is stored, ctx
// is done, or the rule's next tick (stale) comes.
func (s *Scheduler) fire(ctx context.Context, e Entry, at, stale time.Time) {
	log := s.log.With().Str("rule", e.Rule).Time("scheduledTime", at).Logger()
	ev, err := NewEvent(e.Rule, e.Schedule, at)
	if err != nil {
		log.Error().Err(err).Msg("build scheduled event; tick dropped")
		return
	}
	wait := firstRetry
	for attempt := 1; ; attempt++ {
		err := s.publish(ctx, ev)
		if err == nil {
			log.Debug().Str("event", ev.ID()).Int("attempt", attempt).Msg("tick published")
			return
		}
		if ctx.Err() != nil {
			return
		}
		if !stale.IsZero() && !s.now().Add(wait).Before(stale) {
			log.Error().Err(err).Int("attempts", attempt).Msg("publish scheduled event; tick dropped before the next one is due")
			return
		}
		log.Warn().Err(err).Int("attempt", attempt).Dur("retryIn", wait).Msg("publish scheduled event; will retry")
		select {
		case <-ctx.Done():
			return
		case <-s.after(wait):
		}
		wait = min(2*wait, maxRetry)
	}
}

// publish bounds one attempt, so that a hung connection cannot hold a tick
// past its retries.
func (s *Scheduler) publish(ctx context.Context, ev events.Event) error {
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	if err := s.pub.Publish(ctx, ev); err != nil {
		return fmt.Errorf("schedule: publish %s: %w", ev.ID(), err)
	}
	return nil
}
