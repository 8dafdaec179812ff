package engine

import (
	"context"

	"github.com/codebridge/codebridge/engine/schedule"
	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/rules"
)

// scheduleEntries lists the enabled scheduled rules of a rule set.
func scheduleEntries(set *rules.Set) ([]schedule.Entry, error) {
	var out []schedule.Entry
	for _, r := range set.Rules() {
		if r.Schedule() == "" || r.Disabled() {
			continue
		}
		s, err := schedule.Parse(r.Schedule())
		if err != nil {
			return nil, err
		}
		out = append(out, schedule.Entry{Rule: r.Name(), Schedule: s})
	}
	return out, nil
}

// startScheduler publishes a dev.codebridge.engine.scheduled event at each
// due time of each scheduled rule. Every worker runs it; the events' ids are
// derived from rule and tick, so the stream stores each tick once.
func (e *Engine) startScheduler(ctx context.Context) error {
	entries, err := scheduleEntries(e.rules.Load())
	if err != nil {
		return err
	}
	s, err := schedule.New(entries, e, e.log.With().Str("component", "scheduler").Logger())
	if err != nil {
		return err
	}
	e.mu.Lock() // Reload reads it under e.mu
	e.scheduler = s
	e.mu.Unlock()
	go func() {
		if err := s.Run(ctx); err != nil {
			e.log.Error().Err(err).Msg("scheduler stopped")
		}
	}()
	return nil
}

// scheduledMatches routes a scheduler tick to the targets of the rule it
// names: a scheduled rule has no match expression.
func scheduledMatches(ctx context.Context, set *rules.Set, e events.Event) []rules.Match {
	if e.Type() != events.EngineScheduled || e.Source() != schedule.Source {
		return nil
	}
	r := set.Rule(e.Subject())
	if r == nil || r.Schedule() == "" || r.Disabled() {
		return nil
	}
	m, err := r.Fire(ctx, e)
	if err != nil {
		return nil
	}
	return m
}
