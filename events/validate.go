package events

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
)

// Validate checks e: the required attributes, a known or namespaced type, and,
// for catalogue types, data that decodes into the type's struct with its
// required fields set. The error is a *FieldError naming what is wrong.
func Validate(e Event) error {
	if e.SpecVersion() != event.CloudEventsVersionV1 {
		return fieldError("specversion", fmt.Sprintf("must be %q, got %q", event.CloudEventsVersionV1, e.SpecVersion()))
	}
	if e.ID() == "" {
		return fieldError("id", "is required")
	}
	if e.Source() == "" {
		return fieldError("source", "is required")
	}
	if _, err := url.Parse(e.Source()); err != nil {
		return fieldError("source", "must be a URI-reference")
	}
	if err := ValidateType(e.Type()); err != nil {
		return err
	}
	for name, v := range e.Extensions() {
		if name == ExtHops {
			if n, err := types.ToInteger(v); err != nil || n < 0 {
				return fieldError(ExtHops, "must be a non-negative integer")
			}
		}
	}
	if ct := e.DataContentType(); ct != "" && !isMediaType(ct) {
		// It travels in a message header: a control character or a line
		// break there would be mangled or split on the wire.
		return fieldError("datacontenttype", fmt.Sprintf("must be a media type like application/json, got %q", ct))
	}
	if !Known(e.Type()) {
		// Data that says it is JSON must be JSON, so that it can be embedded
		// as is in the structured form (AppendJSON) and read by rules.
		if ct := e.DataContentType(); len(e.Data()) > 0 && (ct == "" || isJSON(ct)) && !json.Valid(e.Data()) {
			return fieldError("data", "is not valid JSON (datacontenttype "+cmp.Or(ct, "absent")+")")
		}
		return nil
	}
	if ct := e.DataContentType(); ct != "" && !isJSON(ct) {
		return fieldError("datacontenttype", fmt.Sprintf("must be JSON for %s, got %q", e.Type(), ct))
	}
	if len(e.Data()) == 0 {
		return fieldError("data", "is required for "+e.Type())
	}
	d, err := DecodeData(e)
	if err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return prefixField("data.", err)
	}
	return nil
}

// ValidateType checks that typ is a catalogue type or, outside the
// dev.codebridge namespace, a namespaced name without spaces.
func ValidateType(typ string) error {
	switch {
	case typ == "":
		return fieldError("type", "is required")
	case strings.HasPrefix(typ, Namespace):
		if !Known(typ) {
			return fieldError("type", fmt.Sprintf("%q is not in the codebridge catalogue", typ))
		}
	case !strings.Contains(typ, ".") || strings.ContainsAny(typ, " \t\r\n"):
		return fieldError("type", fmt.Sprintf("%q must be namespaced in reverse-DNS form, like com.example.thing", typ))
	}
	return nil
}

// isMediaType reports whether ct is an RFC 2046 media type written in
// printable ASCII without surrounding space.
func isMediaType(ct string) bool {
	if strings.TrimSpace(ct) != ct {
		return false
	}
	for i := 0; i < len(ct); i++ {
		if ct[i] < 0x20 || ct[i] > 0x7e {
			return false
		}
	}
	_, _, err := mime.ParseMediaType(ct)
	return err == nil
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// dataDecodeError turns a json error into a FieldError naming the data field.
func dataDecodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := "data"
		if te.Field != "" {
			field += "." + te.Field
		}
		return fieldError(field, fmt.Sprintf("must be %s, got JSON %s", te.Type, te.Value))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fieldError("data", fmt.Sprintf("is not valid JSON at byte %d: %v", se.Offset, se))
	}
	return fieldError("data", err.Error())
}
