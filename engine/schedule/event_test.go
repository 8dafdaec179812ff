package schedule

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/internal/natstest"
	"github.com/codebridge/codebridge/internal/testwait"
)

func TestNewEvent(t *testing.T) {
	at := time.Date(2026, 5, 2, 5, 0, 0, 123, time.FixedZone("CEST", 2*3600))
	e, err := NewEvent("nightly", mustParse(t, "cron(0 3 * * *)"), at)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID() != "sched-nightly-1777690800" || e.Type() != "dev.codebridge.engine.scheduled" ||
		e.Source() != "codebridge://scheduler" || e.Subject() != "nightly" || !e.Time().Equal(utc(2026, 5, 2, 3, 0, 0)) {
		t.Errorf("attributes: %s", e)
	}
	if want := `{"rule":"nightly","schedule":"cron(0 3 * * *)","scheduledTime":"2026-05-02T03:00:00Z"}`; string(e.Data()) != want {
		t.Errorf("data %s, want %s", e.Data(), want)
	}
	if e.DataContentType() != "application/json" || events.Hops(e) != 0 {
		t.Errorf("content type %q hops %d", e.DataContentType(), events.Hops(e))
	}
	again, _ := NewEvent("nightly", mustParse(t, "cron(0 3 * * *)"), at.Add(time.Millisecond))
	a, _ := json.Marshal(e)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Errorf("the same tick built twice differs:\n%s\n%s", a, b)
	}

	if _, err := NewEvent("", mustParse(t, "rate(1m)"), at); err == nil || !strings.Contains(err.Error(), "data.rule: is required") {
		t.Errorf("no rule: %v", err)
	}
	if _, err := NewEvent("r", nil, at); err == nil || !strings.Contains(err.Error(), "schedule is required") {
		t.Errorf("no schedule: %v", err)
	}
}

func TestScheduledDataValidate(t *testing.T) {
	at := utc(2026, 5, 2, 3, 0, 0)
	tests := []struct {
		d   events.ScheduledData
		err string
	}{
		{events.ScheduledData{Rule: "r", Schedule: "rate(1m)", ScheduledTime: at}, ""},
		{events.ScheduledData{Schedule: "rate(1m)", ScheduledTime: at}, "rule: is required"},
		{events.ScheduledData{Rule: "r", ScheduledTime: at}, "schedule: is required"},
		{events.ScheduledData{Rule: "r", Schedule: "rate(1m)"}, "scheduledTime: is required"},
	}
	for _, tt := range tests {
		err := tt.d.Validate()
		if (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("%+v: error %v, want %q", tt.d, err, tt.err)
		}
	}
}

// TestEventPassesCatalogueValidation: the engine's Publish validates every
// event, so a tick must be a valid catalogue event.
func TestEventPassesCatalogueValidation(t *testing.T) {
	if !events.Known(events.EngineScheduled) {
		t.Fatal("the events catalogue does not list engine.scheduled")
	}
	e, err := NewEvent("nightly", mustParse(t, "cron(0 3 * * *)"), utc(2026, 5, 2, 3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := events.Validate(e); err != nil {
		t.Fatal(err)
	}
	back, err := events.FromMsg(events.ToMsg(events.Subject(e.Type()), e))
	if err != nil || back.ID() != e.ID() || string(back.Data()) != string(e.Data()) {
		t.Fatalf("round trip through a NATS message: %v %s", err, back)
	}
}

// jsPublisher stores events in JetStream the way the engine does: binary
// mode, Nats-Msg-Id = digest of source and id, after the PubAck. It counts
// the acks and those that JetStream marked as duplicates.
type jsPublisher struct {
	js               jetstream.JetStream
	acks, duplicates atomic.Int64
}

func (p *jsPublisher) Publish(ctx context.Context, e events.Event) error {
	ack, err := p.js.PublishMsg(ctx, events.ToMsg(events.Subject(e.Type()), e))
	if err != nil {
		return err
	}
	if ack.Duplicate {
		p.duplicates.Add(1)
	}
	p.acks.Add(1)
	return nil
}

// TestClusterStoresEachTickOnce runs two schedulers, as two workers of a
// cluster would, against a real JetStream stream with deduplication.
func TestClusterStoresEachTickOnce(t *testing.T) {
	js := natstest.Start(t).JS
	ctx := context.Background()
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "CB_EVENTS", Subjects: []string{events.SubjectPrefix + ">"}, Duplicates: 2 * time.Minute, Storage: jetstream.FileStorage,
	})
	if err != nil {
		t.Fatal(err)
	}

	ticks := []time.Time{utc(2026, 5, 1, 12, 5, 0), utc(2026, 5, 1, 12, 10, 0)}
	var clocks []*fakeClock
	var stops []func()
	pub := &jsPublisher{js: js}
	for _, start := range []time.Time{utc(2026, 5, 1, 12, 0, 7), utc(2026, 5, 1, 12, 3, 41)} {
		clock := newFakeClock(start)
		clocks = append(clocks, clock)
		s, err := New([]Entry{{Rule: "five", Schedule: mustParse(t, "rate(5m)")}}, pub, zerolog.Nop(), clock.option())
		if err != nil {
			t.Fatal(err)
		}
		stops = append(stops, running(t, s))
	}
	for _, tick := range ticks {
		for _, clock := range clocks {
			testwait.For(t, wait, "a worker to wait for "+tick.Format(time.TimeOnly), func() bool { return clock.Waiting(tick) })
			clock.Set(tick)
		}
	}
	testwait.For(t, wait, "every worker's publishes to be acked", func() bool { return pub.acks.Load() == int64(len(ticks)*len(clocks)) })
	for _, stop := range stops {
		stop()
	}
	if d := pub.duplicates.Load(); d != int64(len(ticks)) {
		t.Errorf("%d publishes acked as duplicates, want %d", d, len(ticks))
	}

	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(len(ticks)) {
		t.Fatalf("stream holds %d messages, want %d (one per tick)", info.State.Msgs, len(ticks))
	}
	// Workers publish concurrently, so the stream's order is not the ticks'.
	stored := map[string]bool{}
	for i := range ticks {
		m, err := stream.GetMsg(ctx, uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		stored[m.Header.Get("ce-id")] = true
	}
	for _, tick := range ticks {
		if !stored[EventID("five", tick)] {
			t.Errorf("tick %s not stored; the stream holds %v", tick.Format(time.TimeOnly), stored)
		}
	}
}
