package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

// TestLongBackoffFreesTheSlot: with concurrency 1, an invocation waiting
// out a long backoff does not hold the function's only slot, so a healthy
// invocation runs meanwhile; the retry then comes back with its attempt
// count, from the queue and after an inline first attempt alike.
func TestLongBackoffFreesTheSlot(t *testing.T) {
	for _, inline := range []string{"false", "true"} {
		t.Run("inline="+inline, func(t *testing.T) {
			var rec recorder
			b := install(t, "f", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
				rec.add(inv)
				if inv.Event.ID() == "bad" && inv.Attempt == 1 {
					return functions.Result{}, functions.RetryAfter(errors.New("busy"), 3*time.Second)
				}
				return functions.Result{}, nil
			})
			h := startEngine(t, `
functions:
  f: { type: testfn, behaviour: "`+b+`", concurrency: 1, inline: `+inline+` }
rules:
  - name: r
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: f } ]
`, nil)
			h.publish(pushEvent(t, "bad", "app", "main"))
			testwait.For(t, 10*time.Second, "the first attempt", func() bool { return rec.len() == 1 })
			h.publish(pushEvent(t, "good", "app", "main"))
			testwait.For(t, 20*time.Second, "the healthy invocation and the retry", func() bool { return rec.len() == 3 })
			got := rec.all()
			if got[1].Event.ID() != "good" {
				t.Errorf("second call was %s attempt %d; the healthy invocation should not wait for the retry", got[1].Event.ID(), got[1].Attempt)
			}
			if got[2].Event.ID() != "bad" || got[2].Attempt != 2 || got[2].ID != got[0].ID {
				t.Errorf("retry = %s attempt %d id %s; want bad, attempt 2, id %s", got[2].Event.ID(), got[2].Attempt, got[2].ID, got[0].ID)
			}
			testwait.For(t, 10*time.Second, "work queue empty", func() bool { return h.streamMsgs(StreamInvocations) == 0 })
		})
	}
}
