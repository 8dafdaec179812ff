package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/internal/testwait"
)

const wait = 5 * time.Second

// running starts s.Run and returns a function that cancels it and waits for
// it to return.
func running(t *testing.T, s *Scheduler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(wait):
				t.Fatal("Run did not return after its context was cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func id(rule string, at time.Time) string { return EventID(rule, at) }

func TestSchedulerFiresDueTicks(t *testing.T) {
	clock := newFakeClock(utc(2026, 5, 1, 23, 58, 10))
	pub := &recorder{}
	s, err := New([]Entry{
		{Rule: "five", Schedule: mustParse(t, "rate(5m)")},
		{Rule: "nightly", Schedule: mustParse(t, "cron(0 0 * * *)")},
		{Rule: "hourly", Schedule: mustParse(t, "rate(1 hour)")},
	}, pub, zerolog.Nop(), clock.option())
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, s)

	midnight := utc(2026, 5, 2, 0, 0, 0)
	testwait.For(t, wait, "the scheduler to wait for midnight", func() bool { return clock.Waiting(midnight) })
	clock.Set(midnight)
	testwait.For(t, wait, "three ticks at midnight", func() bool { return pub.count() == 3 })
	testwait.For(t, wait, "the scheduler to wait for 00:05", func() bool { return clock.Waiting(midnight.Add(5 * time.Minute)) })
	clock.Set(midnight.Add(5 * time.Minute))
	testwait.For(t, wait, "the tick at 00:05", func() bool { return pub.count() == 4 })
	stop()

	got := pub.ids()
	slices.Sort(got[:3])
	want := []string{id("five", midnight), id("hourly", midnight), id("nightly", midnight), id("five", midnight.Add(5*time.Minute))}
	if !slices.Equal(got, want) {
		t.Errorf("published %v, want %v", got, want)
	}
	for _, e := range pub.got {
		if e.Type() != events.EngineScheduled || e.Source() != Source || !strings.HasPrefix(e.ID(), "sched-"+e.Subject()+"-") {
			t.Errorf("event %s: type %q source %q subject %q", e.ID(), e.Type(), e.Source(), e.Subject())
		}
	}
	if want := "sched-five-1777680000"; got[0] != want {
		t.Errorf("id %q, want %q", got[0], want)
	}
}

func TestSchedulerSkipsMissedTicks(t *testing.T) {
	start := utc(2026, 5, 1, 12, 0, 30)
	clock := newFakeClock(start)
	pub := &recorder{}
	s, err := New([]Entry{{Rule: "minutely", Schedule: mustParse(t, "rate(1m)")}}, pub, zerolog.Nop(), clock.option())
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, s)
	testwait.For(t, wait, "the wait for 12:01", func() bool { return clock.Waiting(utc(2026, 5, 1, 12, 1, 0)) })
	clock.Set(utc(2026, 5, 1, 12, 5, 30)) // woken four and a half minutes late
	testwait.For(t, wait, "the late tick", func() bool { return pub.count() == 1 })
	testwait.For(t, wait, "the wait for 12:06", func() bool { return clock.Waiting(utc(2026, 5, 1, 12, 6, 0)) })
	clock.Set(utc(2026, 5, 1, 12, 6, 0))
	testwait.For(t, wait, "the tick at 12:06", func() bool { return pub.count() == 2 })
	stop()
	want := []string{id("minutely", utc(2026, 5, 1, 12, 1, 0)), id("minutely", utc(2026, 5, 1, 12, 6, 0))}
	if got := pub.ids(); !slices.Equal(got, want) {
		t.Errorf("published %v, want %v (12:02 to 12:05 skipped, not replayed)", got, want)
	}
}

func TestReplace(t *testing.T) {
	clock := newFakeClock(utc(2026, 5, 1, 12, 0, 30))
	pub := &recorder{}
	var logs syncBuffer
	s, err := New([]Entry{
		{Rule: "a", Schedule: mustParse(t, "rate(1m)")},
		{Rule: "c", Schedule: mustParse(t, "rate(1m)")},
	}, pub, zerolog.New(&logs), clock.option())
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, s)
	testwait.For(t, wait, "the wait for 12:01", func() bool { return clock.Waiting(utc(2026, 5, 1, 12, 1, 0)) })

	// c goes, b comes, a stays.
	if err := s.Replace([]Entry{
		{Rule: "a", Schedule: mustParse(t, "rate(1m)")},
		{Rule: "b", Schedule: mustParse(t, "rate(2m)")},
	}); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, wait, "b to be planned", func() bool { return logs.Contains(`"rule":"b"`) })
	clock.Set(utc(2026, 5, 1, 12, 1, 0))
	testwait.For(t, wait, "a's tick at 12:01", func() bool { return pub.count() == 1 })

	// a now fires every ten minutes: not at 12:02.
	if err := s.Replace([]Entry{
		{Rule: "a", Schedule: mustParse(t, "rate(10m)")},
		{Rule: "b", Schedule: mustParse(t, "rate(2m)")},
	}); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, wait, "a to be planned again", func() bool { return logs.Contains(`"schedule":"rate(10m)"`) })
	// A bad replacement is refused whole and the entries stay.
	if err := s.Replace([]Entry{{Rule: "a", Schedule: mustParse(t, "rate(1m)")}, {Rule: "a", Schedule: mustParse(t, "rate(1m)")}}); err == nil ||
		err.Error() != `schedule: entries[1].rule: "a" is scheduled twice` {
		t.Errorf("Replace with a duplicate rule: %v", err)
	}
	clock.Set(utc(2026, 5, 1, 12, 2, 0))
	testwait.For(t, wait, "b's tick at 12:02", func() bool { return pub.count() == 2 })
	testwait.For(t, wait, "the wait for 12:04", func() bool { return clock.Waiting(utc(2026, 5, 1, 12, 4, 0)) })
	clock.Set(utc(2026, 5, 1, 12, 10, 0))
	testwait.For(t, wait, "the ticks at 12:10", func() bool { return pub.count() == 4 })
	stop() // waits for every publish in flight: nothing more can come

	got := pub.ids()
	slices.Sort(got)
	want := []string{
		id("a", utc(2026, 5, 1, 12, 1, 0)), id("a", utc(2026, 5, 1, 12, 10, 0)),
		id("b", utc(2026, 5, 1, 12, 2, 0)), id("b", utc(2026, 5, 1, 12, 4, 0)),
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("published %v, want %v", got, want)
	}
}

func TestReplaceBeforeRun(t *testing.T) {
	clock := newFakeClock(utc(2026, 5, 1, 12, 0, 30))
	pub := &recorder{}
	s, err := New(nil, pub, zerolog.Nop(), clock.option())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Replace([]Entry{{Rule: "late", Schedule: mustParse(t, "rate(1m)")}}); err != nil {
		t.Fatal(err)
	}
	stop := running(t, s)
	testwait.For(t, wait, "the wait for 12:01", func() bool { return clock.Waiting(utc(2026, 5, 1, 12, 1, 0)) })
	clock.Set(utc(2026, 5, 1, 12, 1, 0))
	testwait.For(t, wait, "the tick", func() bool { return pub.count() == 1 })
	stop()
}

func TestRunStopsOnCancel(t *testing.T) {
	clock := newFakeClock(utc(2026, 5, 1, 12, 0, 30))
	entered := make(chan struct{})
	var sawCancel bool
	pub := publisherFunc(func(ctx context.Context, e events.Event) error {
		close(entered)
		<-ctx.Done() // a publish that hangs until the scheduler stops
		sawCancel = true
		return ctx.Err()
	})
	s, err := New([]Entry{{Rule: "r", Schedule: mustParse(t, "rate(1m)")}}, pub, zerolog.Nop(), clock.option())
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, s)
	testwait.For(t, wait, "the wait for 12:01", func() bool { return clock.Waiting(utc(2026, 5, 1, 12, 1, 0)) })
	if err := s.Run(context.Background()); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v, want ErrRunning", err)
	}
	clock.Set(utc(2026, 5, 1, 12, 1, 0))
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("no publish")
	}
	stop() // fails the test if Run does not return
	if !sawCancel {
		t.Error("Run returned before the publish in flight saw the cancel")
	}
}

type publisherFunc func(context.Context, events.Event) error

func (f publisherFunc) Publish(ctx context.Context, e events.Event) error { return f(ctx, e) }

func TestRetry(t *testing.T) {
	tick := utc(2026, 5, 1, 12, 1, 0)
	clock := newFakeClock(tick.Add(-30 * time.Second))
	pub := &recorder{fail: func(attempt int) error {
		if attempt <= 2 {
			return errDown
		}
		return nil
	}}
	s, err := New([]Entry{{Rule: "r", Schedule: mustParse(t, "rate(1m)")}}, pub, zerolog.Nop(), clock.option())
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, s)
	testwait.For(t, wait, "the wait for the tick", func() bool { return clock.Waiting(tick) })
	clock.Set(tick)
	// Backoff 1s then 2s.
	for _, retry := range []time.Time{tick.Add(time.Second), tick.Add(3 * time.Second)} {
		testwait.For(t, wait, "a retry at "+retry.Format(time.TimeOnly), func() bool { return clock.Waiting(retry) })
		clock.Set(retry)
	}
	testwait.For(t, wait, "the third attempt to store the tick", func() bool { return pub.count() == 1 })
	stop()
	if got := pub.ids(); pub.tries() != 3 || got[0] != id("r", tick) {
		t.Errorf("after %d attempts published %v", pub.tries(), got)
	}
}

func TestRetryStopsAtNextTick(t *testing.T) {
	tick := utc(2026, 5, 1, 12, 0, 5)
	clock := newFakeClock(tick.Add(-time.Second))
	pub := &recorder{fail: func(int) error { return errDown }}
	var logs syncBuffer
	s, err := New([]Entry{{Rule: "r", Schedule: mustParse(t, "rate(5s)")}}, pub, zerolog.New(&logs), clock.option())
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, s)
	testwait.For(t, wait, "the wait for the tick", func() bool { return clock.Waiting(tick) })
	clock.Set(tick)
	// Attempts at +0s, +1s and +3s; the next would be at +7s, after the
	// following tick at +5s, so the tick is dropped.
	for _, retry := range []time.Time{tick.Add(time.Second), tick.Add(3 * time.Second)} {
		testwait.For(t, wait, "a retry at "+retry.Format(time.TimeOnly), func() bool { return clock.Waiting(retry) })
		clock.Set(retry)
	}
	testwait.For(t, wait, "the tick to be dropped", func() bool { return logs.Contains("tick dropped before the next one is due") })
	stop()
	if pub.tries() != 3 {
		t.Errorf("%d attempts, want 3", pub.tries())
	}
	if logs.Contains("password") || !logs.Contains(errDown.Error()) {
		t.Errorf("log: %s", logs.String())
	}
}

func TestNewRefusesBadEntries(t *testing.T) {
	good := mustParse(t, "rate(1m)")
	tests := []struct {
		entries []Entry
		pub     Publisher
		err     string
	}{
		{nil, nil, "schedule: publisher is required"},
		{[]Entry{{Schedule: good}}, &recorder{}, "schedule: entries[0].rule: is required"},
		{[]Entry{{Rule: "a", Schedule: good}, {Rule: "b"}}, &recorder{}, `schedule: entries[1].schedule: is required (rule "b")`},
		{[]Entry{{Rule: "a", Schedule: good}, {Rule: "a", Schedule: good}}, &recorder{}, `schedule: entries[1].rule: "a" is scheduled twice`},
	}
	for _, tt := range tests {
		t.Run(tt.err, func(t *testing.T) {
			if _, err := New(tt.entries, tt.pub, zerolog.Nop()); err == nil || err.Error() != tt.err {
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
}

// stuck is a schedule that does not move forward.
type stuck struct{}

func (stuck) Next(after time.Time) time.Time { return after }
func (stuck) String() string                 { return "stuck" }

// TestScheduleWithoutNext checks that a schedule that never moves forward is
// dropped with a warning instead of spinning, and does not stop the others.
func TestScheduleWithoutNext(t *testing.T) {
	clock := newFakeClock(utc(2026, 5, 1, 12, 0, 30))
	pub := &recorder{}
	var logs syncBuffer
	s, err := New([]Entry{{Rule: "stuck", Schedule: stuck{}}, {Rule: "ok", Schedule: mustParse(t, "rate(1m)")}}, pub, zerolog.New(&logs), clock.option())
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, s)
	testwait.For(t, wait, "the wait for 12:01", func() bool { return clock.Waiting(utc(2026, 5, 1, 12, 1, 0)) })
	clock.Set(utc(2026, 5, 1, 12, 1, 0))
	testwait.For(t, wait, "the tick", func() bool { return pub.count() == 1 })
	stop()
	if !logs.Contains("rule will not fire") || pub.ids()[0] != id("ok", utc(2026, 5, 1, 12, 1, 0)) {
		t.Errorf("published %v; log %s", pub.ids(), logs.String())
	}
}

// TestTicksAgreeAcrossWorkers checks the dedupe id: two schedulers started at
// different times publish the same events for the same ticks.
func TestTicksAgreeAcrossWorkers(t *testing.T) {
	tick := utc(2026, 5, 1, 12, 5, 0)
	var got [2][]events.Event
	for i, start := range []time.Time{utc(2026, 5, 1, 12, 0, 7), utc(2026, 5, 1, 12, 3, 41)} {
		clock := newFakeClock(start)
		pub := &recorder{}
		s, err := New([]Entry{{Rule: "five", Schedule: mustParse(t, "rate(5 minutes)")}}, pub, zerolog.Nop(), clock.option())
		if err != nil {
			t.Fatal(err)
		}
		stop := running(t, s)
		testwait.For(t, wait, "the wait for the tick", func() bool { return clock.Waiting(tick) })
		clock.Set(tick.Add(1500 * time.Millisecond)) // one worker wakes late
		testwait.For(t, wait, "the tick", func() bool { return pub.count() == 1 })
		stop()
		got[i] = pub.got
	}
	a, _ := json.Marshal(got[0][0])
	b, _ := json.Marshal(got[1][0])
	if !bytes.Equal(a, b) || events.MsgID(got[0][0]) != events.MsgID(got[1][0]) {
		t.Errorf("workers disagree:\n%s\n%s", a, b)
	}
	if got[0][0].ID() != "sched-five-"+fmt.Sprint(tick.Unix()) {
		t.Errorf("id %q", got[0][0].ID())
	}
}

// syncBuffer is a log sink the scheduler's goroutines may write to while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Contains(s string) bool { return strings.Contains(b.String(), s) }
