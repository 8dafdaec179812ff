package events

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
	"github.com/google/uuid"
)

// Event is a CloudEvents 1.0 event.
type Event = event.Event

// Extension attributes codebridge sets on events. CloudEvents extension names
// are lower-case letters and digits only.
const (
	// ExtHops counts how many function invocations led to this event; the
	// router dead-letters an event past the hop limit so that rules calling
	// each other cannot loop forever.
	ExtHops = "cbhops"
	// ExtCause is the id of the event whose invocation emitted this one.
	ExtCause = "cbcause"
	// ExtContext is the rule's context object (compact JSON) carried from the
	// triggering event to the events a function emits.
	ExtContext = "cbcontext"
)

// Option sets an optional attribute in New.
type Option func(*Event)

// WithID sets the event id (default: a random UUID).
func WithID(id string) Option { return func(e *Event) { e.SetID(id) } }

// WithSubject sets the subject attribute (a ref, a PR number).
func WithSubject(s string) Option { return func(e *Event) { e.SetSubject(s) } }

// WithTime sets the time attribute (default: now).
func WithTime(t time.Time) Option { return func(e *Event) { e.SetTime(t) } }

// New builds and validates an event with JSON data. data may be a catalogue
// struct, any JSON-marshalable value, or json.RawMessage.
func New(typ, source string, data any, opts ...Option) (Event, error) {
	e := event.New(event.CloudEventsVersionV1)
	e.SetID(uuid.NewString())
	e.SetType(typ)
	e.SetSource(source)
	e.SetTime(time.Now().UTC())
	if data != nil {
		if err := SetJSONData(&e, data); err != nil {
			return Event{}, err
		}
	}
	for _, o := range opts {
		o(&e)
	}
	if err := Validate(e); err != nil {
		return Event{}, err
	}
	return e, nil
}

// SetJSONData marshals v as the event's data with content type application/json.
func SetJSONData(e *Event, v any) error {
	var b []byte
	switch d := v.(type) {
	case json.RawMessage:
		b = d
	case []byte:
		b = d
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return fmt.Errorf("events: encode data: %w", err)
		}
	}
	e.SetDataContentType(event.ApplicationJSON)
	e.DataEncoded = b
	e.DataBase64 = false
	return nil
}

// DecodeData decodes a catalogue event's data into its struct.
func DecodeData(e Event) (Validator, error) {
	d := NewData(e.Type())
	if d == nil {
		return nil, fieldError("type", fmt.Sprintf("%q is not a catalogue type", e.Type()))
	}
	if err := json.Unmarshal(e.Data(), d); err != nil {
		return nil, dataDecodeError(err)
	}
	return d, nil
}

// Hops returns the hop count of e (0 when absent or unreadable).
func Hops(e Event) int {
	v, ok := e.Extensions()[ExtHops]
	if !ok {
		return 0
	}
	n, err := types.ToInteger(v)
	if err != nil || n < 0 {
		return 0
	}
	return int(n)
}

// SetHops sets the hop count of e.
func SetHops(e *Event, n int) { e.SetExtension(ExtHops, int32(n)) }

// Cause returns the id of the event that caused e, or "".
func Cause(e Event) string {
	s, _ := types.ToString(e.Extensions()[ExtCause])
	return s
}

// Context returns the rule context that e carries, or nil.
func Context(e Event) map[string]any {
	s, _ := types.ToString(e.Extensions()[ExtContext])
	if s == "" {
		return nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

// MarkCaused stamps an emitted event with what caused it: the cause's id, one
// more hop than the cause, and the rule's context (if any).
func MarkCaused(e *Event, cause Event, context map[string]any) error {
	e.SetExtension(ExtCause, cause.ID())
	SetHops(e, Hops(cause)+1)
	if len(context) > 0 {
		b, err := json.Marshal(context)
		if err != nil {
			return fmt.Errorf("events: encode context: %w", err)
		}
		e.SetExtension(ExtContext, string(b))
	}
	return nil
}
