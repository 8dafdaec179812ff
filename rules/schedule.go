package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a rule's parsed schedule: either a fixed rate or a cron
// expression.
type Schedule struct {
	// Expr is the schedule as written: "rate(5m)", "cron(0 3 * * *)".
	Expr string
	// Every is the period of a rate schedule; 0 for cron.
	Every time.Duration
	// Cron is the parsed cron expression; nil for rate.
	Cron cron.Schedule
}

// Next returns the first activation time after t.
func (s *Schedule) Next(t time.Time) time.Time {
	if s.Cron != nil {
		return s.Cron.Next(t)
	}
	return t.Add(s.Every)
}

// cronParser reads the classic five fields (minute hour day-of-month month
// day-of-week).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

var rateUnits = map[string]time.Duration{
	"second": time.Second, "seconds": time.Second,
	"minute": time.Minute, "minutes": time.Minute,
	"hour": time.Hour, "hours": time.Hour,
	"day": 24 * time.Hour, "days": 24 * time.Hour,
}

// ParseSchedule reads "rate(<n> <unit>)" (units second, minute, hour, day,
// singular or plural), "rate(<duration>)" ("rate(5m)", "rate(1d)") or
// "cron(<minute> <hour> <day-of-month> <month> <day-of-week>)".
func ParseSchedule(expr string) (*Schedule, error) {
	s := strings.TrimSpace(expr)
	if body, ok := cutCall(s, "rate"); ok {
		d, err := parseRate(body)
		if err != nil {
			return nil, err
		}
		return &Schedule{Expr: expr, Every: d}, nil
	}
	if body, ok := cutCall(s, "cron"); ok {
		if n := len(strings.Fields(body)); n != 5 {
			return nil, fmt.Errorf("cron(...) wants 5 fields (minute hour day-of-month month day-of-week), got %d", n)
		}
		c, err := cronParser.Parse(body)
		if err != nil {
			return nil, fmt.Errorf("cron(...): %w", err)
		}
		return &Schedule{Expr: expr, Cron: c}, nil
	}
	return nil, fmt.Errorf("want rate(<n> <unit>), rate(<duration>) or cron(<5 fields>), got %q", expr)
}

func cutCall(s, name string) (string, bool) {
	rest, ok := strings.CutPrefix(s, name+"(")
	if !ok {
		return "", false
	}
	body, ok := strings.CutSuffix(rest, ")")
	return strings.TrimSpace(body), ok
}

func parseRate(body string) (time.Duration, error) {
	if n, unit, ok := strings.Cut(body, " "); ok {
		v, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("rate(...): %q is not a positive whole number", n)
		}
		u, ok := rateUnits[strings.TrimSpace(unit)]
		if !ok {
			return 0, fmt.Errorf("rate(...): unknown unit %q (use seconds, minutes, hours or days)", strings.TrimSpace(unit))
		}
		if int64(v) > math.MaxInt64/int64(u) {
			return 0, fmt.Errorf("rate(...): %d %s is too long", v, strings.TrimSpace(unit))
		}
		return time.Duration(v) * u, nil
	}
	d, err := ParseDuration(body)
	if err != nil {
		return 0, fmt.Errorf("rate(...): %w", err)
	}
	if d <= 0 {
		return 0, fmt.Errorf("rate(...): the period must be positive")
	}
	return d, nil
}
