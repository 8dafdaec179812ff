package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/rules"
)

func TestParse(t *testing.T) {
	tests := []struct {
		expr  string
		every time.Duration // for a good rate
		err   string        // "" for a good expression
	}{
		{expr: "rate(5m)", every: 5 * time.Minute},
		{expr: "rate(30s)", every: 30 * time.Second},
		{expr: "rate(1h30m)", every: 90 * time.Minute},
		{expr: "rate(1d)", every: 24 * time.Hour},
		{expr: "rate(1 minute)", every: time.Minute},
		{expr: "rate(5 minutes)", every: 5 * time.Minute},
		{expr: "rate(2 hours)", every: 2 * time.Hour},
		{expr: "rate(1 day)", every: 24 * time.Hour},
		{expr: "rate(7 days)", every: 7 * 24 * time.Hour},
		{expr: "rate(30 seconds)", every: 30 * time.Second},
		{expr: " rate( 5m ) ", every: 5 * time.Minute},
		{expr: "cron(0 3 * * *)"},
		{expr: " cron(*/15 * * * 1-5) "},
		{expr: "cron(0 9 * * MON)"},
		{expr: "cron(0 0 29 2 *)"}, // leap days only

		{expr: "", err: "want rate(<n> <unit>), rate(<duration>) or cron(<5 fields>)"},
		{expr: "every 5 minutes", err: "want rate("},
		{expr: "rate(5m", err: "want rate("},
		{expr: "RATE(5m)", err: "want rate("},
		{expr: "rate()", err: "got 0 words"},
		{expr: "rate(1 2 3)", err: "got 3 words"},
		{expr: "rate(0 minutes)", err: `"0" is not a positive whole number`},
		{expr: "rate(-5 minutes)", err: `"-5" is not a positive whole number`},
		{expr: "rate(five minutes)", err: `"five" is not a positive whole number`},
		{expr: "rate(5 fortnights)", err: `unknown unit "fortnights"`},
		{expr: "rate(99999999999 days)", err: "is too long"},
		{expr: "rate(-5m)", err: "the period must be positive"},
		{expr: "rate(0s)", err: "the period must be positive"},
		{expr: "rate(5x)", err: `invalid duration "5x"`},
		{expr: "rate(500ms)", err: "whole number of seconds, got 500ms"},
		{expr: "rate(1500ms)", err: "whole number of seconds, got 1.5s"},
		{expr: "cron(0 3 * *)", err: "want 5 fields"},
		{expr: "cron(0 0 3 * * *)", err: "want 5 fields (minute hour day-of-month month day-of-week), got 6"},
		{expr: "cron(@daily)", err: "want 5 fields"},
		{expr: "cron(CRON_TZ=Europe/Paris 0 3 * * *)", err: "want 5 fields"},
		{expr: "cron(0 25 * * *)", err: "above maximum"},
		{expr: "cron(x 3 * * *)", err: "cron: "},
		{expr: "cron(0 0 30 2 *)", err: "never fires"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			s, err := Parse(tt.expr)
			if tt.err != "" {
				var se *SyntaxError
				if !errors.As(err, &se) || se.Expr != tt.expr {
					t.Fatalf("error %v (%T), want a *SyntaxError for %q", err, err, tt.expr)
				}
				if !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "schedule \"") {
					t.Fatalf("error %q, want one naming the expression and containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != strings.TrimSpace(tt.expr) {
				t.Errorf("String() = %q", s)
			}
			if r, ok := s.(rate); tt.every != 0 && (!ok || r.every != tt.every) {
				t.Errorf("parsed %#v, want a rate of %s", s, tt.every)
			}
		})
	}
}

func TestNext(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	tests := []struct {
		expr  string
		after time.Time
		want  time.Time
	}{
		// Rates are multiples of the period since the Unix epoch.
		{"rate(5m)", utc(2026, 5, 1, 12, 34, 10), utc(2026, 5, 1, 12, 35, 0)},
		{"rate(5m)", utc(2026, 5, 1, 12, 35, 0), utc(2026, 5, 1, 12, 40, 0)}, // strictly after
		{"rate(5m)", utc(2026, 5, 1, 23, 58, 10), utc(2026, 5, 2, 0, 0, 0)},
		{"rate(90m)", utc(2026, 5, 1, 23, 0, 0), utc(2026, 5, 2, 0, 0, 0)},
		{"rate(1 day)", utc(2026, 12, 31, 12, 0, 0), utc(2027, 1, 1, 0, 0, 0)},
		{"rate(7 days)", utc(2026, 5, 1, 12, 0, 0), utc(2026, 5, 7, 0, 0, 0)}, // a Thursday
		{"rate(30s)", time.Date(2026, 5, 1, 12, 0, 29, 999999999, time.UTC), utc(2026, 5, 1, 12, 0, 30)},
		{"rate(1h)", time.Date(2026, 5, 1, 23, 30, 0, 0, paris), utc(2026, 5, 1, 22, 0, 0)},
		{"rate(1h)", time.Date(1969, 12, 31, 22, 30, 0, 0, time.UTC), utc(1969, 12, 31, 23, 0, 0)},
		// Cron runs in UTC, whatever the zone of the time given.
		{"cron(0 3 * * *)", utc(2026, 5, 1, 12, 34, 0), utc(2026, 5, 2, 3, 0, 0)},
		{"cron(0 3 * * *)", utc(2026, 5, 2, 3, 0, 0), utc(2026, 5, 3, 3, 0, 0)},
		{"cron(0 3 * * *)", utc(2026, 12, 31, 4, 0, 0), utc(2027, 1, 1, 3, 0, 0)},
		{"cron(0 3 * * *)", time.Date(2026, 5, 2, 4, 30, 0, 0, paris), utc(2026, 5, 2, 3, 0, 0)},
		{"cron(30 0 1 * *)", utc(2026, 1, 31, 23, 59, 0), utc(2026, 2, 1, 0, 30, 0)},
		{"cron(*/15 * * * 1-5)", utc(2026, 5, 1, 23, 50, 0), utc(2026, 5, 4, 0, 0, 0)}, // Friday night -> Monday
		{"cron(0 0 29 2 *)", utc(2026, 3, 1, 0, 0, 0), utc(2028, 2, 29, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.expr+"/"+tt.after.Format(time.RFC3339Nano), func(t *testing.T) {
			got := mustParse(t, tt.expr).Next(tt.after)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("Next(%v) = %v, want %v", tt.after, got, tt.want)
			}
		})
	}
}

// TestRateProperties checks periods that do not divide a day: the next tick
// is after the given time, at most one period later, on the epoch grid.
func TestRateProperties(t *testing.T) {
	for _, expr := range []string{"rate(7m)", "rate(13s)", "rate(11 hours)", "rate(3 days)"} {
		r := mustParse(t, expr).(rate)
		p := int64(r.every / time.Second)
		for after := utc(2026, 5, 1, 0, 0, 0); after.Before(utc(2026, 5, 8, 0, 0, 0)); after = after.Add(37*time.Minute + 3*time.Second) {
			next := r.Next(after)
			if !next.After(after) || next.Sub(after) > r.every || next.Unix()%p != 0 {
				t.Fatalf("%s: Next(%v) = %v", expr, after, next)
			}
		}
	}
}

// TestSameGrammarAsRules checks that this package and the rules package,
// which validates a config's schedules, accept the same expressions (bar
// sub-second rates, which only this package refuses) and agree on them.
func TestSameGrammarAsRules(t *testing.T) {
	after := utc(2026, 5, 1, 12, 34, 56)
	for _, expr := range []string{
		"rate(5m)", "rate(30s)", "rate(1d)", "rate(1h30m)", "rate(1 minute)", "rate(5 minutes)", "rate(2 hours)",
		"rate(7 days)", "rate(30 seconds)", " rate( 5m ) ", "cron(0 3 * * *)", "cron(*/15 * * * 1-5)", "cron(0 9 * * MON)",
		"", "every 5 minutes", "rate(5m", "rate(0 minutes)", "rate(five minutes)", "rate(5 fortnights)",
		"rate(99999999999 days)", "rate(-5m)", "rate(5x)", "cron(0 3 * *)", "cron(0 0 3 * * *)", "cron(@daily)",
		"cron(0 25 * * *)", "cron(x 3 * * *)",
	} {
		mine, err := Parse(expr)
		theirs, rerr := rules.ParseSchedule(expr)
		if (err == nil) != (rerr == nil) {
			t.Errorf("%q: schedule.Parse error %v, rules.ParseSchedule error %v", expr, err, rerr)
			continue
		}
		if err != nil {
			continue
		}
		if r, ok := mine.(rate); ok {
			if r.every != theirs.Every {
				t.Errorf("%q: period %s here, %s in rules", expr, r.every, theirs.Every)
			}
		} else if got, want := mine.Next(after), theirs.Next(after); !got.Equal(want) {
			t.Errorf("%q: Next = %v here, %v in rules", expr, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"rate(5m)", "rate(5 minutes)", "cron(0 3 * * *)", "cron(*/5 1-3 1,15 JAN-MAR MON)", "rate(1d)", "cron(0 0 30 2 *)"} {
		f.Add(s)
	}
	after := utc(2026, 5, 1, 12, 0, 0)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%q: error %T, want *SyntaxError", expr, err)
			}
			return
		}
		if next := s.Next(after); !next.After(after) {
			t.Fatalf("%q: Next(%v) = %v", expr, after, next)
		}
	})
}
