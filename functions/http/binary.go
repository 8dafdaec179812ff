package http

import (
	"fmt"
	nethttp "net/http"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/types"

	"github.com/codebridge/codebridge/events"
)

// The CloudEvents HTTP protocol binding, version 1.0.2, binary content mode:
// each context attribute travels in a header "ce-<name>" and the data is the
// body, described by Content-Type. (Facts from the binding's specification,
// https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md)
const (
	headerPrefix = "Ce-"
	// structuredType and batchType are the media types of the structured and
	// batched content modes.
	structuredType = "application/cloudevents+json"
	batchType      = "application/cloudevents-batch+json"
)

// setBinaryHeaders writes e's context attributes to h.
func setBinaryHeaders(h nethttp.Header, e events.Event) error {
	h.Set(headerPrefix+"Specversion", e.SpecVersion())
	h.Set(headerPrefix+"Id", encodeHeader(e.ID()))
	h.Set(headerPrefix+"Source", encodeHeader(e.Source()))
	h.Set(headerPrefix+"Type", encodeHeader(e.Type()))
	if s := e.Subject(); s != "" {
		h.Set(headerPrefix+"Subject", encodeHeader(s))
	}
	if t := e.Time(); !t.IsZero() {
		h.Set(headerPrefix+"Time", t.UTC().Format(time.RFC3339Nano))
	}
	if s := e.DataSchema(); s != "" {
		h.Set(headerPrefix+"Dataschema", encodeHeader(s))
	}
	for name, v := range e.Extensions() {
		s, err := types.Format(v)
		if err != nil {
			return fmt.Errorf("extension %s: %w", name, err)
		}
		h.Set(headerPrefix+name, encodeHeader(s))
	}
	return nil
}

// encodeHeader percent-encodes what the binding says a header value must
// not carry verbatim: space, '"', '%' and anything outside printable ASCII
// (UTF-8 bytes, one escape each).
func encodeHeader(s string) string {
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

// fromBinary decodes a binary-mode message: ce-* headers and a body.
func fromBinary(h nethttp.Header, body []byte) (events.Event, error) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	return events.FromHeaders(names, h.Get, h.Get("Content-Type"), body)
}
