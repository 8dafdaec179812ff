package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

func TestReplay(t *testing.T) {
	var a, b recorder
	ba := install(t, "a", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		a.add(inv)
		return functions.Result{}, nil
	})
	bb := install(t, "b", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		b.add(inv)
		return functions.Result{}, nil
	})
	h := startEngine(t, `
functions:
  fa: { type: testfn, behaviour: "`+ba+`" }
  fb: { type: testfn, behaviour: "`+bb+`" }
rules:
  - name: ra
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: fa } ]
  - name: rb
    match: event.data.referenceName == "main"
    targets: [ { function: fb } ]
`, nil)
	start := time.Now().Add(-time.Second)
	for i := 0; i < 3; i++ {
		h.publish(pushEvent(t, fmt.Sprintf("e-%d", i), "app", []string{"main", "dev", "main"}[i]))
	}
	testwait.For(t, 10*time.Second, "first routing", func() bool { return a.len() == 3 && b.len() == 2 })

	res, err := h.eng.Replay(context.Background(), ReplayRequest{From: start, Rule: "rb"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 3 || res.Invocations != 2 {
		t.Errorf("replay of rb: %+v, want 3 events read and 2 invocations", res)
	}
	testwait.For(t, 10*time.Second, "replayed invocations", func() bool { return b.len() == 4 })
	got := b.all()
	for _, replayed := range got[2:] {
		for _, orig := range got[:2] {
			if replayed.ID == orig.ID {
				t.Errorf("replayed invocation reuses the original id %s", orig.ID)
			}
		}
	}
	if a.len() != 3 {
		t.Errorf("rule ra ran %d times, want 3 (not replayed)", a.len())
	}

	res, err = h.eng.Replay(context.Background(), ReplayRequest{From: time.Now().Add(time.Hour), To: time.Now().Add(2 * time.Hour)})
	if err != nil || res.Events != 0 {
		t.Errorf("empty window: %+v %v", res, err)
	}
	if _, err := h.eng.Replay(context.Background(), ReplayRequest{From: start, Rule: "nope"}); err == nil {
		t.Error("unknown rule: want an error")
	}
}
