// Package webhook holds what the provider adapters (events/github,
// events/gitea, events/gitlab) share: the sentinel errors an HTTP handler maps
// to status codes, constant-time signature and token checks, delivery ids,
// and the helpers that turn a push or a pull request into catalogue events.
//
// Every adapter exports the same two functions:
//
//	Verify(h http.Header, body []byte, secrets []string) error
//	Parse(h http.Header, body []byte) ([]events.Event, error)
//
// A handler calls Verify first and Parse only when it returns nil. Payload
// text (titles, bodies, branch names) is carried as data and never
// interpreted.
package webhook
