package events

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
)

// FromHeaders builds an event from binary content mode, as both the NATS and
// the HTTP bindings carry it: every attribute in a header named
// "ce-<attribute>" (percent-encoded), datacontenttype in contentType, the data
// in body. get returns a header's first value; names lists the header names
// present. The event is not validated.
//
// An attribute given twice (NATS header names are case-sensitive, so "ce-id"
// and "Ce-Id" are two headers) is refused rather than picked at random, and a
// specversion other than 1.0 is refused before any attribute is set.
func FromHeaders(names []string, get func(name string) string, contentType string, body []byte) (Event, error) {
	attrs := make(map[string]string, len(names))
	for _, name := range names {
		attr, ok := strings.CutPrefix(strings.ToLower(name), headerPrefix)
		if !ok {
			continue
		}
		if _, dup := attrs[attr]; dup {
			return Event{}, fieldError(attr, "header "+headerPrefix+attr+" appears more than once")
		}
		attrs[attr] = get(name)
	}
	if sv := attrs["specversion"]; sv != event.CloudEventsVersionV1 {
		// event.New with any other version leaves a nil context behind,
		// which every setter would dereference.
		if sv == "" {
			return Event{}, fieldError("specversion", "is required")
		}
		return Event{}, fieldError("specversion", fmt.Sprintf("must be %q, got %q", event.CloudEventsVersionV1, sv))
	}
	e := event.New(event.CloudEventsVersionV1)
	// The context is written directly rather than through the SDK's
	// setters, which trim spaces from id, type and subject: the structured
	// JSON reader does not, and a value must read the same in both modes.
	ctx := e.Context.(*event.EventContextV1)
	for attr, raw := range attrs {
		v, err := url.PathUnescape(raw)
		if err != nil {
			return Event{}, fieldError(attr, "bad percent-encoding in header "+headerPrefix+attr)
		}
		switch attr {
		case "specversion":
		case "id":
			ctx.ID = v
		case "source":
			u := types.ParseURIRef(v)
			if u == nil {
				return Event{}, fieldError("source", "must be a URI-reference")
			}
			ctx.Source = *u
		case "type":
			ctx.Type = v
		case "subject":
			if v != "" {
				ctx.Subject = &v
			}
		case "dataschema":
			if v != "" {
				u := types.ParseURI(v)
				if u == nil {
					return Event{}, fieldError("dataschema", "must be a URI")
				}
				ctx.DataSchema = u
			}
		case "datacontenttype":
			// Some producers send it as ce-datacontenttype; the
			// content-type header wins when both are present.
			if contentType == "" {
				contentType = v
			}
		case "time":
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return Event{}, fieldError("time", "must be an RFC 3339 timestamp")
			}
			e.SetTime(t)
		default:
			var val any = v
			if attr == ExtHops {
				// Headers carry text; give the hop count back its integer
				// type so that the event re-encodes the way it was sent.
				if n, err := types.ParseInteger(v); err == nil {
					val = n
				}
			}
			if err := e.Context.SetExtension(attr, val); err != nil {
				return Event{}, fieldError(attr, err.Error())
			}
		}
	}
	if contentType != "" {
		ctx.DataContentType = &contentType
	}
	if len(body) > 0 {
		e.DataEncoded = body
	}
	return e, nil
}

// ToHeaders writes e's context attributes in binary content mode, as both
// the NATS and the HTTP bindings carry them: set is called with
// "ce-<attribute>" and the value, percent-encoded with EncodeHeaderValue
// where it is free text, for every attribute but datacontenttype, which each
// binding carries in its own content-type header. FromHeaders reverses it.
//
// An extension value with no canonical string form (types.Format fails on
// it; SetExtension never stores one) is written as fmt.Sprint prints it, and
// the first such failure is returned for a binding that would rather refuse
// the event.
func ToHeaders(e Event, set func(name, value string)) error {
	set(headerPrefix+"specversion", e.SpecVersion())
	set(headerPrefix+"id", EncodeHeaderValue(e.ID()))
	set(headerPrefix+"source", EncodeHeaderValue(e.Source()))
	set(headerPrefix+"type", EncodeHeaderValue(e.Type()))
	if s := e.Subject(); s != "" {
		set(headerPrefix+"subject", EncodeHeaderValue(s))
	}
	if t := e.Time(); !t.IsZero() {
		set(headerPrefix+"time", t.UTC().Format(time.RFC3339Nano))
	}
	if s := e.DataSchema(); s != "" {
		set(headerPrefix+"dataschema", EncodeHeaderValue(s))
	}
	var failed error
	for name, v := range e.Extensions() {
		// types.Format is the canonical string form (base64 for binary,
		// RFC 3339 for timestamps); fmt.Sprint would print Go structs.
		s, err := types.Format(v)
		if err != nil {
			if failed == nil {
				failed = fmt.Errorf("extension %s: %w", name, err)
			}
			s = fmt.Sprint(v)
		}
		set(headerPrefix+name, EncodeHeaderValue(s))
	}
	return failed
}

// EncodeHeaderValue percent-encodes what a binary-mode header value must not
// carry verbatim: controls, space, '"', '%' and anything outside printable
// ASCII (UTF-8 bytes, one escape each). The NATS and HTTP bindings both use
// it; FromHeaders reverses it.
func EncodeHeaderValue(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if mustEscape(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; mustEscape(c) {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func mustEscape(c byte) bool { return c <= ' ' || c >= 0x7f || c == '"' || c == '%' }
