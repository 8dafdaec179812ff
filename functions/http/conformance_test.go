package http_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions/functionstest"
	cbhttp "github.com/codebridge/codebridge/functions/http"
)

func TestConformance(t *testing.T) {
	target := func(t *testing.T, reply http.HandlerFunc) (functionstest.Target, *endpoint) {
		ep := newEndpoint(t, reply)
		return functionstest.Target{Function: build(t, "url: "+ep.URL+"/hook")}, ep
	}
	functionstest.Run(t, functionstest.Harness{
		Succeeding: func(t *testing.T) functionstest.Target {
			tg, ep := target(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
			tg.Deliveries = func() []string {
				var ids []string
				for _, r := range ep.requests() {
					ids = append(ids, r.Header.Get(cbhttp.HeaderInvocationID))
				}
				return ids
			}
			return tg
		},
		Retryable: func(t *testing.T) functionstest.Target {
			tg, _ := target(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
			return tg
		},
		Permanent: func(t *testing.T) functionstest.Target {
			tg, _ := target(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadRequest) })
			return tg
		},
		Blocking: func(t *testing.T) functionstest.Target {
			var started atomic.Bool
			release := make(chan struct{})
			var once sync.Once
			tg, _ := target(t, func(_ http.ResponseWriter, r *http.Request) {
				started.Store(true)
				select {
				case <-r.Context().Done():
				case <-release:
				}
			})
			// Registered after the server's Close, so it runs first.
			t.Cleanup(func() { once.Do(func() { close(release) }) })
			tg.Started = started.Load
			return tg
		},
		Emitting: func(t *testing.T) functionstest.Target {
			tg, _ := target(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/cloudevents+json")
				_, _ = w.Write(replyFile(t, "reply-structured.json"))
			})
			return tg
		},
		RetryAfter: func(t *testing.T) (functionstest.Target, time.Duration) {
			tg, _ := target(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusServiceUnavailable)
			})
			return tg, 7 * time.Second
		},
	})
}
