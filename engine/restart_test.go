package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

// TestGracefulStopWithBacklogLosesNothing stops the engine while the router
// still has buffered events, then starts a new engine on the same data
// directory: every event reaches the function.
func TestGracefulStopWithBacklogLosesNothing(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	b := install(t, "count", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		mu.Lock()
		seen[inv.Event.ID()]++
		mu.Unlock()
		return functions.Result{}, nil
	})
	distinct := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(seen)
	}
	data := filepath.Join(t.TempDir(), "data")
	config := `
functions:
  count: { type: testfn, behaviour: "` + b + `", concurrency: 64 }
rules:
  - name: r
    match: event.type == "com.example.backlog"
    targets: [ { function: count } ]
`
	// Rules the index cannot rule out make routing slower than publishing,
	// so that the router has a backlog when the engine stops.
	for i := 0; i < 100; i++ {
		config += fmt.Sprintf("  - name: slow-%d\n    match: event.data.i < -%d\n    targets: [ { function: count } ]\n", i, i+1)
	}
	keepData := func(o *Options) { o.DataDir = data }
	h := startEngine(t, config, keepData)
	const total = 5000
	js := h.eng.JetStream()
	for i := 0; i < total; i++ {
		e, err := events.New("com.example.backlog", "/backlog", map[string]int{"i": i}, events.WithID(fmt.Sprintf("b-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.PublishMsgAsync(events.ToMsg(events.Subject(e.Type()), e), jetstream.WithStallWait(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		t.Fatal("publishing did not complete")
	}
	// Stop while the router still has a backlog.
	cons, err := js.Consumer(context.Background(), StreamEvents, routerConsumer)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h.stop()
	t.Logf("router backlog at stop: %d pending, %d unacked", info.NumPending, info.NumAckPending)
	t.Logf("stopped with %d of %d events handled", distinct(), total)

	startEngine(t, config, keepData)
	testwait.For(t, 60*time.Second, "every event handled after the restart", func() bool { return distinct() == total })
}
