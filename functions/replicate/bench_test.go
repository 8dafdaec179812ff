package replicate

import (
	"slices"
	"testing"
	"time"

	"github.com/codebridge/codebridge/internal/natstest"
)

// BenchmarkReplicationLag measures, for a small push (one commit on main),
// the time from the reference event to every target (file:// and git://)
// being updated, and reports its median and 99th percentile.
func BenchmarkReplicationLag(b *testing.B) {
	js := natstest.Start(b).JS
	rs := newRepoSet(b)
	f, _ := newTestFunction(b, "mirror", rs.config(), js)
	// The first run creates the mirror and fills the targets.
	if _, err := invoke(b, f, invocation(refEvent(b, rs.src, "main", rs.commit(b, "main")))); err != nil {
		b.Fatal(err)
	}
	lags := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		ev := refEvent(b, rs.src, "main", rs.commit(b, "main"))
		b.StartTimer()
		if _, err := invoke(b, f, invocation(ev)); err != nil {
			b.Fatal(err)
		}
		lags = append(lags, time.Since(ev.Time()))
	}
	b.StopTimer()
	rs.converged(b)
	slices.Sort(lags)
	pct := func(p float64) float64 {
		return float64(lags[int(p*float64(len(lags)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
