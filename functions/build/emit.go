package build

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions/build/runner"
)

// eventSource is the CloudEvents source of a project's build events.
func eventSource(project string) string { return "/codebridge/builds/" + project }

// stateData is the build.stateChanged data for r, masked.
func stateData(r *Record, m *runner.Masker) *events.BuildStateData {
	repo := r.Source.Repository
	d := &events.BuildStateData{
		Caused:      events.Caused{TriggerEventID: r.TriggerEventID, Context: r.Context},
		BuildID:     r.ID,
		BuildNumber: r.Number,
		Project:     r.Project,
		Status:      r.Status,
		Repository:  &repo,
		Reference:   r.Source.HeadRef,
		CommitID:    r.Source.CommitID,
		LogURL:      r.LogURL,
		BadgeURL:    r.BadgeURL,
		Message:     m.Mask(r.Message),
	}
	start := r.StartTime
	d.StartTime = &start
	if !r.EndTime.IsZero() {
		end := r.EndTime
		d.EndTime = &end
		d.DurationMS = r.DurationMS
	}
	for _, rep := range r.Reports {
		rep.Failures = maskAll(m, rep.Failures)
		d.Reports = append(d.Reports, rep)
	}
	return d
}

func maskAll(m *runner.Masker, in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = m.Mask(s)
	}
	return out
}

// stateEvent builds a build.stateChanged event with a stable id, so a
// redelivered publish is deduplicated by JetStream.
func stateEvent(r *Record, m *runner.Masker, idSuffix string) (events.Event, error) {
	return events.New(events.BuildStateChanged, eventSource(r.Project), stateData(r, m),
		events.WithID(r.ID+"-"+idSuffix), events.WithSubject(r.ID))
}

func phaseEvent(r *Record, p runner.PhaseResult) (events.Event, error) {
	d := &events.BuildPhaseData{
		Caused:     events.Caused{TriggerEventID: r.TriggerEventID, Context: r.Context},
		BuildID:    r.ID,
		Project:    r.Project,
		Phase:      p.Name,
		Status:     p.Status,
		DurationMS: p.Duration,
	}
	return events.New(events.BuildPhaseChanged, eventSource(r.Project), d,
		events.WithID(r.ID+"-phase-"+p.Name+"-"+p.Status), events.WithSubject(r.ID))
}

// stamp marks e as caused by the record's triggering event, as
// events.MarkCaused does for a live invocation.
func stamp(e *events.Event, r *Record) error {
	if r.TriggerEventID != "" {
		e.SetExtension(events.ExtCause, r.TriggerEventID)
	}
	events.SetHops(e, r.TriggerHops+1)
	if len(r.Context) > 0 {
		b, err := json.Marshal(r.Context)
		if err != nil {
			return fmt.Errorf("build: encode context: %w", err)
		}
		e.SetExtension(events.ExtContext, string(b))
	}
	return nil
}

// publishNow sends an event to the event stream at once (the invoker only
// publishes Result.Events when Invoke returns, hours later for a long build).
func (f *Function) publishNow(ctx context.Context, e events.Event, r *Record) {
	if err := stamp(&e, r); err != nil {
		f.log.Warn().Err(err).Str("build", r.ID).Msg("stamp event")
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := f.deps.JetStream.PublishMsg(pctx, events.ToMsg(events.Subject(e.Type()), e)); err != nil {
		f.log.Warn().Err(err).Str("build", r.ID).Str("type", e.Type()).Msg("publish build event")
	}
}
