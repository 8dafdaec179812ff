// Package schedule fires scheduled rules: rules with `schedule: "rate(5m)"`
// or `schedule: "cron(0 3 * * *)"` instead of `match:` (shared/DESIGN.md §4).
//
// At each due time the Scheduler publishes one dev.codebridge.engine.scheduled
// event whose subject is the rule's name; the router hands that event to the
// rule's targets. The event's id is derived from the rule and the scheduled
// time ("sched-<rule>-<unix seconds>"), so when every worker of a cluster runs
// a scheduler, JetStream's deduplication (Nats-Msg-Id = source + id) stores
// each tick once. For that to hold, the workers' clocks must agree to well
// within the stream's duplicate window (2 minutes by default): run NTP.
//
// Rates are aligned to the Unix epoch in UTC, not to when a process started:
// rate(5m) fires at :00, :05, :10, ...; rate(1 day) at midnight UTC; rate(7
// days) on Thursdays at midnight UTC (1970-01-01 was a Thursday). That is what
// lets workers started at different times agree on the ticks. Cron
// expressions are evaluated in UTC.
//
// Like EventBridge, a tick that falls while no scheduler is running (or while
// the process is suspended) is not replayed later: a scheduler fires the
// ticks that fall due while it runs, and after a late wake-up it fires the
// one tick it woke for and skips to the next one in the future.
package schedule
