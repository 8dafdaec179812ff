package schedule

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/codebridge/codebridge/events"
)

// Source is the source attribute of every scheduled event.
const Source = "codebridge://scheduler"

// EventID is the id of rule's tick at: the same on every worker, so the
// event stream deduplicates the tick (Nats-Msg-Id = source + id).
func EventID(rule string, at time.Time) string {
	return "sched-" + rule + "-" + strconv.FormatInt(at.Unix(), 10)
}

// NewEvent builds the dev.codebridge.engine.scheduled event of rule's tick
// at. Everything in it derives from its arguments (time included), so every
// worker builds the same event for the same tick.
func NewEvent(rule string, s Schedule, at time.Time) (events.Event, error) {
	if s == nil {
		return events.Event{}, fmt.Errorf("schedule: event for %q: schedule is required", rule)
	}
	at = at.UTC().Truncate(time.Second)
	data := events.ScheduledData{Rule: rule, Schedule: s.String(), ScheduledTime: at}
	if err := data.Validate(); err != nil {
		return events.Event{}, fmt.Errorf("schedule: event for %q: data.%w", rule, err)
	}
	// Built by hand rather than with events.New: that validates against the
	// catalogue, and this package must not depend on the catalogue listing
	// engine.scheduled to build its own event.
	e := event.New(event.CloudEventsVersionV1)
	e.SetID(EventID(rule, at))
	e.SetType(events.EngineScheduled)
	e.SetSource(Source)
	e.SetSubject(rule)
	e.SetTime(at)
	if err := events.SetJSONData(&e, data); err != nil {
		return events.Event{}, fmt.Errorf("schedule: event for %q: %w", rule, err)
	}
	return e, nil
}
