package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/codebridge/codebridge/events"
)

// Content types of the CloudEvents HTTP binding.
const (
	ctStructured = "application/cloudevents+json"
	ctBatch      = "application/cloudevents-batch+json"
)

// maxBatch bounds the events of one batch request.
const maxBatch = 100

// ingestError is an HTTP status with a message naming the problem.
type ingestError struct {
	status int
	msg    string
}

func (e *ingestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &ingestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// decodeHTTP reads the events of one request in structured, batch or binary
// content mode and validates every one; any invalid event refuses the whole
// request, so nothing is half-stored.
func decodeHTTP(r *http.Request, body []byte, maxEvent int64) ([]events.Event, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	var out []events.Event
	switch {
	case mt == ctBatch:
		var raws []json.RawMessage
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, badRequest("batch: body must be a JSON array of events: %v", err)
		}
		if len(raws) == 0 {
			return nil, badRequest("batch: no events")
		}
		if len(raws) > maxBatch {
			return nil, badRequest("batch: %d events, at most %d", len(raws), maxBatch)
		}
		for i, raw := range raws {
			if int64(len(raw)) > maxEvent {
				return nil, &ingestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("batch[%d]: event is %d bytes, the limit is %d", i, len(raw), maxEvent)}
			}
			e, err := decodeStructured(raw)
			if err != nil {
				return nil, badRequest("batch[%d]: %v", i, err)
			}
			out = append(out, e)
		}
	case mt == ctStructured:
		e, err := decodeStructured(body)
		if err != nil {
			return nil, badRequest("%v", err)
		}
		out = append(out, e)
	case r.Header.Get("ce-specversion") != "" || r.Header.Get("ce-id") != "" || r.Header.Get("ce-type") != "":
		e, err := decodeBinary(r.Header, body, ct)
		if err != nil {
			return nil, badRequest("%v", err)
		}
		out = append(out, e)
	default:
		return nil, &ingestError{status: http.StatusUnsupportedMediaType, msg: fmt.Sprintf(
			"content type %q: send %s, %s, or binary mode with ce-* headers", ct, ctStructured, ctBatch)}
	}
	for i, e := range out {
		if err := events.Validate(e); err != nil {
			if len(out) > 1 {
				return nil, badRequest("batch[%d]: %v", i, err)
			}
			return nil, badRequest("%v", err)
		}
	}
	return out, nil
}

// decodeStructured reads one event in the JSON event format, naming a missing
// required attribute before the SDK's decoder sees it.
func decodeStructured(b []byte) (events.Event, error) {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(b, &attrs); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return events.Event{}, fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, err)
		}
		return events.Event{}, fmt.Errorf("body must be a JSON object: %v", err)
	}
	for _, k := range []string{"specversion", "id", "source", "type"} {
		v, ok := attrs[k]
		if !ok || bytes.Equal(v, []byte("null")) || bytes.Equal(v, []byte(`""`)) {
			return events.Event{}, fmt.Errorf("%s: is required", k)
		}
	}
	var e events.Event
	if err := json.Unmarshal(b, &e); err != nil {
		return events.Event{}, fmt.Errorf("event: %v", err)
	}
	return e, nil
}

// decodeBinary reads one event in binary content mode: attributes in ce-*
// headers (percent-encoded), datacontenttype in Content-Type, data in the body.
func decodeBinary(h http.Header, body []byte, ct string) (events.Event, error) {
	if h.Get("ce-specversion") == "" {
		return events.Event{}, errors.New("ce-specversion: is required")
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	return events.FromHeaders(names, h.Get, ct, body)
}
