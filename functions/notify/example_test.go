package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/notify"
)

// An on-call endpoint receives a signed webhook when an invocation is
// dead-lettered; the function reports the delivery as a
// notification.sent event.
func Example() {
	key := []byte("shared signing key")
	oncall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get(notify.HeaderWebhookID)
		ts, _ := strconv.ParseInt(r.Header.Get(notify.HeaderWebhookTimestamp), 10, 64)
		valid := notify.Sign(key, id, ts, body) == r.Header.Get(notify.HeaderWebhookSignature)
		var p notify.WebhookPayload
		_ = json.Unmarshal(body, &p)
		fmt.Printf("on-call got %q (id %s, signature valid: %v)\n", p.Data.Title, id, valid)
	}))
	defer oncall.Close()

	fn, err := notify.NewFromConfig("oncall", notify.Config{
		Webhook: &notify.WebhookConfig{URL: oncall.URL + "/hook", Secret: string(key)},
	}, functions.Deps{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, _ := events.New(events.EngineInvocationFailed, "codebridge://engine", events.InvocationFailedData{
		Rule: "mirror", Function: "mirror-eu", EventID: "e-1", Attempts: 185,
		Reason: events.ReasonExhausted, Error: "push: connection refused",
	})
	res, err := fn.Invoke(context.Background(), functions.Invocation{ID: "inv-1", Attempt: 1, Function: "oncall", Event: ev})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range res.Events {
		fmt.Println(e.Type())
	}
	// Output:
	// on-call got "Invocation of mirror-eu failed (exhausted)" (id inv-1:webhook, signature valid: true)
	// dev.codebridge.notification.sent
}
