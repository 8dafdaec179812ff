package events

import "time"

// EngineScheduled is the event the scheduler publishes at each due time of a
// scheduled rule (a rule with `schedule:` instead of `match:`). Its subject
// is the rule's name.
const EngineScheduled = Namespace + "engine.scheduled"

// ScheduledData is the data of engine.scheduled.
type ScheduledData struct {
	Rule     string `json:"rule"`
	Schedule string `json:"schedule"` // as written: "rate(5m)", "cron(0 3 * * *)"
	// ScheduledTime is the tick the event stands for (UTC), not the moment
	// it was published: every worker of a cluster publishes the same tick
	// with the same id, and the stream stores it once.
	ScheduledTime time.Time `json:"scheduledTime"`
}

// Validate reports the first missing required field.
func (d *ScheduledData) Validate() error {
	if err := requireAll("rule", d.Rule, "schedule", d.Schedule); err != nil {
		return err
	}
	if d.ScheduledTime.IsZero() {
		return fieldError("scheduledTime", "is required")
	}
	return nil
}
