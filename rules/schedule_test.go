package rules

import (
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	base := time.Date(2026, 5, 1, 12, 34, 0, 0, time.UTC)
	tests := []struct {
		expr string
		next time.Time // zero when the expression is refused
		err  string
	}{
		{"rate(5m)", base.Add(5 * time.Minute), ""},
		{"rate(1d)", base.Add(24 * time.Hour), ""},
		{"rate(1 minute)", base.Add(time.Minute), ""},
		{"rate(30 seconds)", base.Add(30 * time.Second), ""},
		{"rate(2 hours)", base.Add(2 * time.Hour), ""},
		{"rate(7 days)", base.Add(7 * 24 * time.Hour), ""},
		{" cron(0 3 * * *) ", time.Date(2026, 5, 2, 3, 0, 0, 0, time.UTC), ""},
		{"cron(*/15 * * * 1-5)", time.Date(2026, 5, 1, 12, 45, 0, 0, time.UTC), ""},
		{"rate(0 minutes)", time.Time{}, `"0" is not a positive whole number`},
		{"rate(-5m)", time.Time{}, "the period must be positive"},
		{"rate(5 fortnights)", time.Time{}, `unknown unit "fortnights"`},
		{"rate(five minutes)", time.Time{}, `"five" is not a positive whole number`},
		{"rate(99999999999 days)", time.Time{}, "too long"},
		{"rate(5x)", time.Time{}, "invalid duration"},
		{"cron(0 3 * *)", time.Time{}, "wants 5 fields"},
		{"cron(0 3 * * * *)", time.Time{}, "wants 5 fields"},
		{"cron(0 25 * * *)", time.Time{}, "above maximum"},
		{"cron(@daily)", time.Time{}, "wants 5 fields"},
		{"every 5 minutes", time.Time{}, "want rate("},
		{"rate(5m", time.Time{}, "want rate("},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			s, err := ParseSchedule(tt.expr)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(base); !got.Equal(tt.next) {
				t.Errorf("next after %v = %v, want %v", base, got, tt.next)
			}
		})
	}
}
