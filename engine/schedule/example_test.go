package schedule_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/engine/schedule"
	"github.com/codebridge/codebridge/events"
)

func ExampleParse() {
	after := time.Date(2026, 5, 1, 23, 58, 10, 0, time.UTC)
	for _, expr := range []string{"rate(5m)", "rate(1 day)", "cron(0 3 * * *)", "rate(5 fortnights)"} {
		s, err := schedule.Parse(expr)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(s, "->", s.Next(after).Format(time.RFC3339))
	}
	// Output:
	// rate(5m) -> 2026-05-02T00:00:00Z
	// rate(1 day) -> 2026-05-02T00:00:00Z
	// cron(0 3 * * *) -> 2026-05-02T03:00:00Z
	// schedule "rate(5 fortnights)": rate: unknown unit "fortnights" (use seconds, minutes, hours or days)
}

func ExampleNewEvent() {
	s, _ := schedule.Parse("cron(0 3 * * *)")
	e, _ := schedule.NewEvent("nightly-build", s, time.Date(2026, 5, 2, 3, 0, 0, 0, time.UTC))
	fmt.Println(e.ID())
	fmt.Println(e.Type(), e.Source(), e.Subject())
	fmt.Println(string(e.Data()))
	// Output:
	// sched-nightly-build-1777690800
	// dev.codebridge.engine.scheduled codebridge://scheduler nightly-build
	// {"rule":"nightly-build","schedule":"cron(0 3 * * *)","scheduledTime":"2026-05-02T03:00:00Z"}
}

// printer is a Publisher that prints what it is given.
type printer struct{ done chan struct{} }

func (p printer) Publish(_ context.Context, e events.Event) error {
	fmt.Println("publish", e.ID(), e.Time().Format(time.RFC3339))
	close(p.done)
	return nil
}

func ExampleScheduler() {
	// A virtual clock whose first timer fires at once and moves the time to
	// its end, and whose later timers never fire; production code leaves
	// the default (time.Now, time.After).
	var mu sync.Mutex
	clock := time.Date(2026, 5, 2, 2, 17, 0, 0, time.UTC)
	fired := false
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	after := func(d time.Duration) <-chan time.Time {
		mu.Lock()
		defer mu.Unlock()
		if fired {
			return nil
		}
		fired = true
		clock = clock.Add(d)
		ch := make(chan time.Time, 1)
		ch <- clock
		return ch
	}

	s, _ := schedule.Parse("rate(1 hour)")
	pub := printer{done: make(chan struct{})}
	sched, err := schedule.New([]schedule.Entry{{Rule: "hourly", Schedule: s}}, pub, zerolog.Nop(), schedule.WithClock(now, after))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = sched.Run(ctx); close(stopped) }()
	<-pub.done
	cancel() // Run returns once the publishes in flight are done
	<-stopped
	// Output:
	// publish sched-hourly-1777690800 2026-05-02T03:00:00Z
}
