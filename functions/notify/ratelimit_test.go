package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions"
)

// countingServer answers 200 and counts requests.
func countingServer(t *testing.T) (*atomic.Int64, *httptest.Server) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return &n, srv
}

// burst fires count invocations at once and returns their errors.
func burst(t *testing.T, n *Notifier, count int) []error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make([]error, count)
	var wg sync.WaitGroup
	for i := range count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = n.Invoke(ctx, invocation(t, fmt.Sprintf("burst-%d", i), buildFailed(t), ""))
		}()
	}
	wg.Wait()
	return errs
}

func TestRateLimitDefersExcessToEngine(t *testing.T) {
	hits, srv := countingServer(t)
	n := build(t, fmt.Sprintf("webhook: {url: %s, rateLimit: 1/h}", srv.URL), functions.Deps{})
	errs := burst(t, n, 8)
	var ok, deferred int
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case isRetryable(err):
			if d, has := functions.RetryDelay(err); !has || d <= maxInlineWait {
				t.Errorf("deferred without a long RetryAfter: %v", err)
			}
			deferred++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || deferred != 7 || hits.Load() != 1 {
		t.Errorf("ok %d, deferred %d, receiver hits %d; want 1, 7, 1", ok, deferred, hits.Load())
	}
}

func TestRateLimitWaitsInLine(t *testing.T) {
	hits, srv := countingServer(t)
	const perSecond, count = 40, 12
	n := build(t, fmt.Sprintf("webhook: {url: %s, rateLimit: %d/s, burst: 2}", srv.URL, perSecond), functions.Deps{})
	start := time.Now()
	for i, err := range burst(t, n, count) {
		if err != nil {
			t.Errorf("invocation %d: %v", i, err)
		}
	}
	elapsed := time.Since(start)
	if hits.Load() != count {
		t.Fatalf("receiver hits = %d, want %d", hits.Load(), count)
	}
	// A token bucket of size 2 refilled at 40/s cannot have let 12 requests
	// through faster than (12-2)/40 s: the upper bound on what it admits.
	if admitted := 2 + perSecond*elapsed.Seconds(); float64(count) > admitted+0.5 {
		t.Errorf("%d requests in %s exceed the bucket (at most %.1f)", count, elapsed, admitted)
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		perSec  float64
		wantErr bool
	}{
		{"1/s", 1, false},
		{"30/m", 0.5, false},
		{"36/h", 0.01, false},
		{"3/10s", 0.3, false},
		{"2.5/sec", 2.5, false},
		{"10", 0, true},
		{"0/s", 0, true},
		{"-1/s", 0, true},
		{"5/fortnight", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseRate(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tt.wantErr && (float64(got)-tt.perSec > 1e-9 || tt.perSec-float64(got) > 1e-9) {
				t.Errorf("rate = %v, want %v", got, tt.perSec)
			}
		})
	}
}
