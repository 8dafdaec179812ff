// Package functions holds the Function contract that every built-in and
// user-registered function implements, the errors that tell the invoker how
// to treat a failure, and the registry that builds named function instances
// from configuration. It also holds what the function types share: Masker
// (secrets out of logs, errors and events), Duration and ParseDuration (for
// config blocks), OpenKeyValue (a bucket that may already exist) and
// ValidHeaderName.
//
// A function never imports the engine: everything it needs arrives in the
// Invocation, and everything it produces leaves in the Result.
package functions

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/codebridge/codebridge/events"
)

// Function does the work a rule routes an event to.
//
// Invoke returns nil error for success (the invoker acks and emits
// Result.Events), a Permanent error for a failure that retrying cannot fix
// (dead-lettered at once), a RetryAfter error to ask for a given delay, and any
// other error for a retryable failure (retried with backoff). Invoke must
// return when ctx is done.
type Function interface {
	Invoke(ctx context.Context, inv Invocation) (Result, error)
}

// Func adapts an ordinary function to Function.
type Func func(ctx context.Context, inv Invocation) (Result, error)

// Invoke calls f.
func (f Func) Invoke(ctx context.Context, inv Invocation) (Result, error) { return f(ctx, inv) }

// Invocation is one call of a function for one (event, rule, target).
type Invocation struct {
	// ID is stable across retries of the same (event, rule, target): use it to
	// make side effects idempotent.
	ID string
	// Attempt counts from 1.
	Attempt int
	// Rule is the name of the rule that matched.
	Rule string
	// Function is the configured name of the function instance.
	Function string
	// Event is the event that matched.
	Event events.Event
	// Input is the rule target's input expression's value as JSON, or the
	// event in CloudEvents JSON form when the target has no input.
	Input json.RawMessage
	// Context is the "context" object of the input, if any: the function
	// stamps it on the events it emits (events.MarkCaused) so a later rule can
	// answer on the same pull request.
	Context map[string]any
}

// Result is what a successful invocation produced.
type Result struct {
	// Events are published to the event stream after the invocation; the
	// invoker stamps them with the cause, the hop count and the context.
	Events []events.Event
}

// Starter is implemented by a function that runs background work for as long
// as the engine runs (reapers, caches). The engine calls Start once after
// construction; Start returns when its background work is set going.
type Starter interface {
	Start(ctx context.Context) error
}

// Closer is implemented by a function that holds resources; the engine calls
// Close after in-flight invocations have drained.
type Closer interface {
	Close() error
}

// HTTPProvider is implemented by a function type that serves HTTP routes of
// its own (build logs, badges). The engine mounts them on its HTTP server.
type HTTPProvider interface {
	HTTPRoutes() []Route
}

// Route is one HTTP route: a net/http ServeMux pattern such as
// "GET /api/builds/{id}" and its handler.
type Route struct {
	Pattern string
	Handler http.Handler
}
