package engine

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

func TestScheduledRuleFires(t *testing.T) {
	var tick, other recorder
	bt := install(t, "tick", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		tick.add(inv)
		return functions.Result{}, nil
	})
	bo := install(t, "other", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		other.add(inv)
		return functions.Result{}, nil
	})
	h := startEngine(t, `
functions:
  tick:  { type: testfn, behaviour: "`+bt+`" }
  other: { type: testfn, behaviour: "`+bo+`" }
rules:
  - name: every-second
    schedule: rate(1 second)
    targets: [ { function: tick, input: '{"rule": event.data.rule}' } ]
  - name: unrelated
    match: event.type == "com.example.never"
    targets: [ { function: other } ]
`, nil)
	testwait.For(t, 15*time.Second, "two ticks", func() bool { return tick.len() >= 2 })
	inv := tick.all()[0]
	if inv.Event.Type() != events.EngineScheduled || inv.Event.Subject() != "every-second" || string(inv.Input) != `{"rule":"every-second"}` {
		t.Errorf("tick invocation: type %s subject %s input %s", inv.Event.Type(), inv.Event.Subject(), inv.Input)
	}
	if other.len() != 0 {
		t.Errorf("a tick reached another rule")
	}

	// Clients cannot forge engine events, ticks included.
	forged := `{"specversion":"1.0","id":"x","source":"codebridge://scheduler","type":"dev.codebridge.engine.scheduled","subject":"every-second","data":{"rule":"every-second","schedule":"rate(1 second)","scheduledTime":"2026-01-01T00:00:00Z"}}`
	if status, body := h.post("/events", ctStructured, []byte(forged), nil); status != http.StatusBadRequest || !strings.Contains(body, "reserved") {
		t.Errorf("forged tick: %d %s", status, body)
	}
}
