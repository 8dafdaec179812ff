package http

import (
	nethttp "net/http"

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

// fromBinary decodes a binary-mode message: ce-* headers and a body.
func fromBinary(h nethttp.Header, body []byte) (events.Event, error) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	return events.FromHeaders(names, h.Get, h.Get("Content-Type"), body)
}
