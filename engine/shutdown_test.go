package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions"
)

// TestGracefulShutdownFinishesInline: an inline attempt in flight when the
// engine stops is allowed to finish, and its event is acked (not routed
// again after a restart).
func TestGracefulShutdownFinishesInline(t *testing.T) {
	started := make(chan struct{})
	var finished atomic.Bool
	b := install(t, "work", func(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
		close(started)
		select {
		case <-time.After(300 * time.Millisecond):
			finished.Store(true)
			return functions.Result{}, nil
		case <-ctx.Done():
			return functions.Result{}, ctx.Err()
		}
	})
	h := startEngine(t, `
functions:
  work: { type: testfn, behaviour: "`+b+`", inline: true }
rules:
  - name: r
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: work } ]
`, nil)
	h.publish(pushEvent(t, "e-1", "app", "main"))
	<-started
	h.stop()
	if !finished.Load() {
		t.Error("shutdown did not let the inline attempt finish")
	}
}
