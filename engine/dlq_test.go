package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

// TestRedriveThatFailsAgainIsDeadLetteredAgain: a redriven invocation that
// fails the same way lands in the DLQ again (not dropped as a duplicate of
// its first record), with a fresh attempt count even when its first attempt
// ran inline.
func TestRedriveThatFailsAgainIsDeadLetteredAgain(t *testing.T) {
	var rec recorder
	b := install(t, "f", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		rec.add(inv)
		return functions.Result{}, errors.New("still down")
	})
	h := startEngine(t, `
functions:
  f: { type: testfn, behaviour: "`+b+`", inline: true }
rules:
  - name: r
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: f } ]
    retry: { maxAttempts: 2, baseDelay: 5ms, maxDelay: 10ms }
`, nil)
	h.publish(pushEvent(t, "e-1", "app", "main"))
	testwait.For(t, 10*time.Second, "the first dead letter", func() bool { return h.streamMsgs(StreamDLQ) == 1 })
	first, _ := h.eng.DLQ().List(context.Background(), 0, 10)
	if err := h.eng.DLQ().Redrive(context.Background(), first[0].Sequence); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, 10*time.Second, "the second dead letter", func() bool {
		list, _ := h.eng.DLQ().List(context.Background(), first[0].Sequence, 10)
		return len(list) == 1
	})
	list, _ := h.eng.DLQ().List(context.Background(), 0, 10)
	if len(list) != 1 || list[0].Redriven != 1 || list[0].Attempts != 2 || list[0].Reason != events.ReasonExhausted {
		t.Errorf("after a failed redrive the DLQ holds %+v; want one record, redriven once, 2 attempts", list)
	}
	var attempts []int
	for _, inv := range rec.all() {
		attempts = append(attempts, inv.Attempt)
	}
	if want := []int{1, 2, 1, 2}; len(attempts) != len(want) || attempts[2] != 1 || attempts[3] != 2 {
		t.Errorf("attempts %v, want %v (a redrive starts counting again)", attempts, want)
	}
}
