package events

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
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
	h.Set(headerPrefix+"specversion", e.SpecVersion())
	h.Set(headerPrefix+"id", encodeHeader(e.ID()))
	h.Set(headerPrefix+"source", encodeHeader(e.Source()))
	h.Set(headerPrefix+"type", encodeHeader(e.Type()))
	if s := e.Subject(); s != "" {
		h.Set(headerPrefix+"subject", encodeHeader(s))
	}
	if t := e.Time(); !t.IsZero() {
		h.Set(headerPrefix+"time", t.UTC().Format(time.RFC3339Nano))
	}
	if s := e.DataSchema(); s != "" {
		h.Set(headerPrefix+"dataschema", encodeHeader(s))
	}
	if ct := e.DataContentType(); ct != "" {
		h.Set(headerContentType, ct)
	}
	for name, v := range e.Extensions() {
		h.Set(headerPrefix+name, encodeHeader(fmt.Sprint(v)))
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
// validates the event.
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

func decodeMsg(h nats.Header, body []byte) (Event, error) {
	ct := h.Get(headerContentType)
	if mt, _, _ := mime.ParseMediaType(ct); mt == StructuredContentType || (h.Get(headerPrefix+"specversion") == "" && strings.HasPrefix(strings.TrimSpace(string(body)), "{")) {
		var e Event
		if err := json.Unmarshal(body, &e); err != nil {
			return Event{}, fmt.Errorf("%w: structured event: %v", ErrInvalid, err)
		}
		return e, nil
	}
	e := event.New(h.Get(headerPrefix + "specversion"))
	for name, vals := range h {
		lname := strings.ToLower(name)
		if !strings.HasPrefix(lname, headerPrefix) || len(vals) == 0 {
			continue
		}
		attr := strings.TrimPrefix(lname, headerPrefix)
		v, err := url.PathUnescape(vals[0])
		if err != nil {
			return Event{}, fieldError(attr, "bad percent-encoding in header")
		}
		switch attr {
		case "specversion":
		case "id":
			e.SetID(v)
		case "source":
			e.SetSource(v)
		case "type":
			e.SetType(v)
		case "subject":
			e.SetSubject(v)
		case "dataschema":
			e.SetDataSchema(v)
		case "time":
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return Event{}, fieldError("time", "must be an RFC 3339 timestamp")
			}
			e.SetTime(t)
		default:
			if err := e.Context.SetExtension(attr, v); err != nil {
				return Event{}, fieldError(attr, err.Error())
			}
		}
	}
	if ct != "" {
		e.SetDataContentType(ct)
	}
	if len(body) > 0 {
		e.DataEncoded = body
	}
	return e, nil
}

// encodeHeader percent-encodes what a header value cannot carry verbatim:
// controls, space, '"', '%' and anything outside printable ASCII.
func encodeHeader(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '%' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '%' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
