package schedule

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule says when a scheduled rule fires.
type Schedule interface {
	// Next returns the first due time strictly after after, in UTC; the zero
	// time when there is none.
	Next(after time.Time) time.Time
	// String returns the expression, as it goes into the event's data.
	String() string
}

// cronParser reads the classic five fields (minute hour day-of-month month
// day-of-week): no seconds, no @descriptors.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// rateUnits are EventBridge's units, singular or plural (EventBridge insists
// on "1 minute" but "5 minutes"; we take either).
var rateUnits = map[string]time.Duration{
	"second": time.Second, "seconds": time.Second,
	"minute": time.Minute, "minutes": time.Minute,
	"hour": time.Hour, "hours": time.Hour,
	"day": 24 * time.Hour, "days": 24 * time.Hour,
}

// Parse reads a schedule expression:
//
//	rate(<n> <unit>)   units second(s), minute(s), hour(s), day(s): rate(5 minutes)
//	rate(<duration>)   a Go duration or whole days: rate(30s), rate(5m), rate(1h30m), rate(1d)
//	cron(<5 fields>)   minute hour day-of-month month day-of-week, in UTC: cron(0 3 * * *)
//
// A rate is a whole number of seconds, at least one: the event id carries
// the tick in Unix seconds. The grammar is the one rules.ParseSchedule
// accepts, so a rule that loads can be scheduled.
func Parse(expr string) (Schedule, error) {
	s := strings.TrimSpace(expr)
	if body, ok := call(s, "rate"); ok {
		return parseRate(expr, s, body)
	}
	if body, ok := call(s, "cron"); ok {
		return parseCron(expr, s, body)
	}
	return nil, syntaxError(expr, "want rate(<n> <unit>), rate(<duration>) or cron(<5 fields>)")
}

// call returns the body of "name(body)".
func call(s, name string) (string, bool) {
	rest, ok := strings.CutPrefix(s, name+"(")
	if !ok {
		return "", false
	}
	body, ok := strings.CutSuffix(rest, ")")
	return strings.TrimSpace(body), ok
}

func parseRate(expr, text, body string) (Schedule, error) {
	var every time.Duration
	switch f := strings.Fields(body); len(f) {
	case 2:
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n <= 0 {
			return nil, syntaxError(expr, "rate: %q is not a positive whole number", f[0])
		}
		unit, ok := rateUnits[f[1]]
		if !ok {
			return nil, syntaxError(expr, "rate: unknown unit %q (use seconds, minutes, hours or days)", f[1])
		}
		if n > math.MaxInt64/int64(unit) {
			return nil, syntaxError(expr, "rate: %d %s is too long", n, f[1])
		}
		every = time.Duration(n) * unit
	case 1:
		d, err := parseDuration(f[0])
		if err != nil {
			return nil, syntaxError(expr, "rate: invalid duration %q (use 30s, 5m, 24h or 7d)", f[0])
		}
		if d <= 0 {
			return nil, syntaxError(expr, "rate: the period must be positive")
		}
		every = d
	default:
		return nil, syntaxError(expr, "rate: want rate(<n> <unit>) or rate(<duration>), got %d words", len(f))
	}
	if every < time.Second || every%time.Second != 0 {
		return nil, syntaxError(expr, "rate: the period must be a whole number of seconds, got %s", every)
	}
	return rate{expr: text, every: every}, nil
}

// parseDuration is time.ParseDuration plus whole days ("7d"), as the
// config's durations are written.
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.ParseInt(n, 10, 64); err == nil && days <= math.MaxInt64/int64(24*time.Hour) {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	return time.ParseDuration(s)
}

func parseCron(expr, text, body string) (Schedule, error) {
	// Counting the fields first refuses what the parser would read otherwise:
	// a seconds field, "@daily", and a "CRON_TZ=" prefix (we run in UTC).
	if n := len(strings.Fields(body)); n != 5 {
		return nil, syntaxError(expr, "cron: want 5 fields (minute hour day-of-month month day-of-week), got %d", n)
	}
	c, err := cronParser.Parse(body)
	if err != nil {
		return nil, syntaxError(expr, "cron: %v", err)
	}
	spec, ok := c.(*cron.SpecSchedule)
	if !ok {
		return nil, syntaxError(expr, "cron: unsupported expression")
	}
	spec.Location = time.UTC
	cs := cronSchedule{expr: text, spec: spec}
	// robfig/cron gives up after five years: a date that never comes
	// (cron(0 0 30 2 *)) would otherwise schedule nothing, silently. From
	// 2000-01-01 the search covers a leap day.
	if cs.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, syntaxError(expr, "cron: the expression never fires (no such date)")
	}
	return cs, nil
}

// rate fires every period, on multiples of the period since the Unix epoch.
type rate struct {
	expr  string
	every time.Duration // whole seconds, >= 1s
}

func (r rate) String() string { return r.expr }

// Next returns the first multiple of the period since the Unix epoch after
// after. Every worker computes the same ticks whenever it started.
func (r rate) Next(after time.Time) time.Time {
	p := int64(r.every / time.Second)
	s := after.Unix() // rounds down, also before 1970
	k := s / p
	if s%p != 0 && s < 0 {
		k-- // floor division
	}
	return time.Unix((k+1)*p, 0).UTC()
}

// cronSchedule is a five-field cron expression evaluated in UTC.
type cronSchedule struct {
	expr string
	spec *cron.SpecSchedule
}

func (c cronSchedule) String() string { return c.expr }

// Next returns the next matching minute after after, in UTC.
func (c cronSchedule) Next(after time.Time) time.Time {
	t := c.spec.Next(after.UTC())
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
