package testwait

import (
	"testing"
	"time"
)

// Polling starts fast, so conditions that hold within a millisecond or two
// cost the test almost nothing, and slows down, so expensive conditions
// (reading a stream, running git) do not keep a shared machine busy.
const (
	firstInterval = time.Millisecond
	maxInterval   = 20 * time.Millisecond
)

// For calls cond until it returns true, and fails the test with "timed out
// after <timeout> waiting for <what>" if it has not by the time timeout has
// passed. cond runs on the calling goroutine.
func For(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	interval := firstInterval
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(interval) // polling interval, not synchronisation
		interval = min(2*interval, maxInterval)
	}
}
