package events

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"strings"

	"github.com/nats-io/nats.go"
)

// NATS protocol binding, binary content mode: each context attribute travels
// in a header named "ce-<attribute>" (percent-encoded), datacontenttype in
// "content-type", and the data is the message body.
const (
	headerPrefix      = "ce-"
	headerContentType = "content-type"
	// StructuredContentType marks a message whose body is a whole event in the
	// JSON event format (structured content mode). FromMsg accepts it so that
	// any NATS client can publish without setting headers.
	StructuredContentType = "application/cloudevents+json"
)

// ToMsg encodes e for subject in binary content mode, with the Nats-Msg-Id
// header that JetStream deduplicates on.
func ToMsg(subject string, e Event) *nats.Msg {
	m := nats.NewMsg(subject)
	h := m.Header
	// An extension with no string form is sent as fmt.Sprint prints it:
	// ToMsg has no error to return, and the event was valid when built.
	_ = ToHeaders(e, h.Set)
	if ct := e.DataContentType(); ct != "" {
		h.Set(headerContentType, ct)
	}
	h.Set(nats.MsgIdHdr, MsgID(e))
	m.Data = e.Data()
	return m
}

// MsgID is the deduplication id of e: a digest of its source and id, the pair
// that CloudEvents says identifies an event.
func MsgID(e Event) string {
	sum := sha256.Sum256([]byte(e.Source() + "\x00" + e.ID()))
	return hex.EncodeToString(sum[:16])
}

// FromMsg decodes a message in binary or structured content mode and
// validates the event. A message with a ce-specversion header is binary mode;
// one without it is structured mode when its content-type is
// application/cloudevents+json or its body is a JSON object.
func FromMsg(m *nats.Msg) (Event, error) {
	e, err := decodeMsg(m.Header, m.Data)
	if err != nil {
		return Event{}, err
	}
	if err := Validate(e); err != nil {
		return Event{}, err
	}
	return e, nil
}

// DecodeMsg is FromMsg without validation, for messages whose event was
// validated when it was first stored (the engine's own work queue).
func DecodeMsg(m *nats.Msg) (Event, error) { return decodeMsg(m.Header, m.Data) }

func decodeMsg(h nats.Header, body []byte) (Event, error) {
	names := make([]string, 0, len(h))
	binary := false
	for name, vals := range h {
		if len(vals) > 1 && strings.HasPrefix(strings.ToLower(name), headerPrefix) {
			return Event{}, fieldError(strings.ToLower(name)[len(headerPrefix):], "header "+name+" appears more than once")
		}
		if strings.EqualFold(name, headerPrefix+"specversion") {
			binary = true
		}
		names = append(names, name)
	}
	ct, err := singleHeader(h, headerContentType)
	if err != nil {
		return Event{}, err
	}
	if !binary {
		// No binary-mode marker: the body must be a whole event. Looking for
		// ce-specversion first keeps ToMsg and FromMsg a faithful pair even
		// when an event's own datacontenttype is application/cloudevents+json.
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != StructuredContentType && !looksLikeJSONObject(body) {
			return Event{}, fieldError("specversion", "is required: no ce-specversion header and the body is not a structured event")
		}
		var e Event
		if err := json.Unmarshal(body, &e); err != nil {
			return Event{}, fmt.Errorf("%w: structured event: %v", ErrInvalid, err)
		}
		if e.Context == nil {
			return Event{}, fieldError("specversion", "is required")
		}
		return e, nil
	}
	return FromHeaders(names, h.Get, ct, body)
}

// singleHeader returns the one value of a header matched case-insensitively
// (NATS header names are case-sensitive; producers are not consistent).
func singleHeader(h nats.Header, key string) (string, error) {
	var (
		v     string
		found bool
	)
	for name, vals := range h {
		if !strings.EqualFold(name, key) || len(vals) == 0 {
			continue
		}
		if found || len(vals) > 1 {
			return "", fieldError("datacontenttype", "header "+key+" appears more than once")
		}
		v, found = vals[0], true
	}
	return v, nil
}

func looksLikeJSONObject(body []byte) bool {
	return strings.HasPrefix(strings.TrimSpace(string(body)), "{")
}
