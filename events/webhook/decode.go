package webhook

import (
	"encoding/json"

	"github.com/codebridge/codebridge/events"
)

// Decode unmarshals a provider's payload into v. A body that is not the
// payload's JSON shape is the sender's fault, so the error is an
// ErrMalformed naming the provider ("GitHub payload: ...").
func Decode(provider string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return Malformed("%s payload: %v", provider, err)
	}
	return nil
}

// Handlers maps a host's event name to the function that adds that event's
// catalogue events to a batch.
type Handlers map[string]func(b *Batch, body []byte) error

// Dispatch is an adapter's Parse after it has read the event name and the
// delivery id from its headers: "ping" is ErrPing, an event with no handler
// is ErrIgnored, and otherwise the handler's events are returned.
func Dispatch(provider, kind, delivery string, body []byte, handlers Handlers) ([]events.Event, error) {
	if kind == "ping" {
		return nil, ErrPing
	}
	h, ok := handlers[kind]
	if !ok {
		return nil, Ignored("%s event %q", provider, kind)
	}
	b := NewBatch(DeliveryID(delivery, body))
	if err := h(b, body); err != nil {
		return nil, err
	}
	return b.Events()
}
