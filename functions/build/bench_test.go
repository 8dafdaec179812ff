package build

import (
	"context"
	"sort"
	"testing"
	"time"
)

// BenchmarkEventToFirstCommand measures, with a warm mirror cache, the time
// from Invoke receiving a push event to the first buildspec command
// starting; it reports the p50 and p99 in milliseconds.
func BenchmarkEventToFirstCommand(b *testing.B) {
	e := startEnv(b)
	f := newFunction(b, e, "")
	r := newRepo(b)
	spec := map[string]string{"buildspec.yml": "version: 0.2\nphases:\n  build:\n    commands: ['true']\n"}
	commit := r.commit("warm", spec)
	first := make(chan time.Time, 1)
	f.onCommand = func(_, _ string, index int) {
		if index == 0 {
			select {
			case first <- time.Now():
			default:
			}
		}
	}
	ctx := context.Background()
	if _, err := f.Invoke(ctx, invocation(pushEvent(b, r, "main", commit))); err != nil { // warms the mirror
		b.Fatal(err)
	}
	<-first
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := r.commit("change", nil) // a new commit each time: the fetch is real
		ev := pushEvent(b, r, "main", c)
		b.StartTimer()
		start := time.Now()
		if _, err := f.Invoke(ctx, invocation(ev)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, (<-first).Sub(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
