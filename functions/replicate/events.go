package replicate

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
)

// event builds a replication.completed or replication.failed event for one
// target. Its id is derived from the invocation, attempt, run and target, so
// a repeated publish is deduplicated and a retry's outcome is a new event.
func (j *job) event(typ string, run int, res pushResult, lag time.Duration, errMsg string) (events.Event, error) {
	repo := j.repo
	repo.CloneURL = j.src.redacted
	data := events.ReplicationData{
		Caused:     events.Caused{TriggerEventID: j.inv.Event.ID(), Context: j.inv.Context},
		Repository: repo,
		Target:     res.target.url.redacted,
		Refs:       res.refs,
		Objects:    res.objects,
		Bytes:      res.bytes,
		DurationMS: res.duration.Milliseconds(),
		LagMS:      lag.Milliseconds(),
		Error:      errMsg,
	}
	invID := j.inv.ID
	if invID == "" {
		invID = uuid.NewString()
	}
	outcome := "completed"
	if typ == events.ReplicationFailed {
		outcome = "failed"
	}
	id := fmt.Sprintf("%s.replicate.%d.%d.%s.%s", invID, j.inv.Attempt, run, digest(res.target.name)[:12], outcome)
	ev, err := events.New(typ, "codebridge://functions/"+j.f.name, data, events.WithID(id), events.WithSubject(res.target.name))
	if err != nil {
		return events.Event{}, fmt.Errorf("replicate: build %s event: %w", outcome, err)
	}
	if err := events.MarkCaused(&ev, j.inv.Event, j.inv.Context); err != nil {
		return events.Event{}, fmt.Errorf("replicate: build %s event: %w", outcome, err)
	}
	return ev, nil
}

// publish stores events straight on the event stream. It is used when the
// invocation fails: the engine drops a failed invocation's Result, but the
// targets that were updated and the ones that failed are news either way.
// Best effort: a lost event here is logged, and the retry reports again.
func (f *Function) publish(ctx context.Context, evs []events.Event, log zerolog.Logger) {
	if len(evs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for _, ev := range evs {
		if _, err := f.js.PublishMsg(ctx, events.ToMsg(events.Subject(ev.Type()), ev)); err != nil {
			log.Warn().Err(err).Str("type", ev.Type()).Str("target", ev.Subject()).Msg("publish replication event")
		}
	}
}
