package functionstest

import (
	"context"
	"encoding/json"
	"github.com/codebridge/codebridge/internal/testwait"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// Target is one function under test, with optional probes into what its
// target (a program, a server) observed.
type Target struct {
	Function functions.Function
	// Started reports that the function has reached its target; for a
	// blocking target, that it is now blocked. Optional: without it the suite
	// cancels without waiting, which still checks that Invoke returns.
	Started func() bool
	// Deliveries returns the invocation ids the target received, so the suite
	// can check that the id reaches it and it can deduplicate. Optional.
	Deliveries func() []string
}

// Harness builds the functions the suite exercises. Each constructor is
// called per subtest with that subtest's t (use t.TempDir, t.Cleanup); a
// function that implements functions.Closer is closed when the subtest ends.
type Harness struct {
	// Succeeding builds a function whose Invoke succeeds. Required.
	Succeeding func(t *testing.T) Target
	// Retryable builds a function that fails with a retryable error. Required.
	Retryable func(t *testing.T) Target
	// Permanent builds a function that fails permanently. Required.
	Permanent func(t *testing.T) Target
	// Blocking builds a function whose Invoke blocks until its context is
	// done. Required.
	Blocking func(t *testing.T) Target
	// Emitting builds a function that succeeds and emits at least one event.
	// Required.
	Emitting func(t *testing.T) Target
	// RetryAfter builds a function that fails asking to be retried after the
	// returned delay. Optional: not every target can ask.
	RetryAfter func(t *testing.T) (Target, time.Duration)
}

// Run runs the conformance suite against h.
func Run(t *testing.T, h Harness) {
	t.Helper()
	for name, c := range map[string]func(*testing.T) Target{
		"Succeeding": h.Succeeding, "Retryable": h.Retryable, "Permanent": h.Permanent,
		"Blocking": h.Blocking, "Emitting": h.Emitting,
	} {
		if c == nil {
			t.Fatalf("functionstest: Harness.%s is required", name)
		}
	}
	t.Run("Success", func(t *testing.T) { testSuccess(t, h) })
	t.Run("RetryableError", func(t *testing.T) { testRetryable(t, h) })
	t.Run("PermanentError", func(t *testing.T) { testPermanent(t, h) })
	t.Run("RetryAfter", func(t *testing.T) { testRetryAfter(t, h) })
	t.Run("CancelReturns", func(t *testing.T) { testCancel(t, h) })
	t.Run("DeadlineReturns", func(t *testing.T) { testDeadline(t, h) })
	t.Run("EmittedEventsValidate", func(t *testing.T) { testEmitted(t, h) })
	t.Run("SameIDTwice", func(t *testing.T) { testSameID(t, h) })
	t.Run("CustomInput", func(t *testing.T) { testCustomInput(t, h) })
}

// NewInvocation returns a valid invocation of a sample event, with the event
// as its input, as the invoker would build it.
func NewInvocation(t testing.TB) functions.Invocation {
	t.Helper()
	e, err := events.New("com.example.conformance.ping", "/functionstest",
		map[string]any{"n": 1, "note": "conformance"}, events.WithSubject("refs/heads/main"))
	if err != nil {
		t.Fatalf("functionstest: build event: %v", err)
	}
	in, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("functionstest: encode event: %v", err)
	}
	return functions.Invocation{
		ID:       uuid.NewString(),
		Attempt:  1,
		Rule:     "conformance",
		Function: "under-test",
		Event:    e,
		Input:    in,
	}
}

func build(t *testing.T, c func(*testing.T) Target) Target {
	t.Helper()
	tg := c(t)
	if tg.Function == nil {
		t.Fatal("functionstest: constructor returned no Function")
	}
	if cl, ok := tg.Function.(functions.Closer); ok {
		t.Cleanup(func() {
			if err := cl.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	return tg
}

// invoke calls fn with a deadline well inside the test's own.
func invoke(t *testing.T, fn functions.Function, inv functions.Invocation) (functions.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound(t))
	defer cancel()
	return fn.Invoke(ctx, inv)
}

// bound is how long the suite waits for anything: 30s, or less when the
// test binary's deadline is nearer.
func bound(t *testing.T) time.Duration {
	b := 30 * time.Second
	if d, ok := t.Deadline(); ok {
		if left := time.Until(d) / 2; left < b {
			b = left
		}
	}
	return b
}

func testSuccess(t *testing.T, h Harness) {
	tg := build(t, h.Succeeding)
	inv := NewInvocation(t)
	if _, err := invoke(t, tg.Function, inv); err != nil {
		t.Fatalf("Invoke of the succeeding function: %v", err)
	}
	if tg.Deliveries != nil {
		if got := tg.Deliveries(); !slices.Contains(got, inv.ID) {
			t.Errorf("target saw invocation ids %q, want it to see %q", got, inv.ID)
		}
	}
}

func testRetryable(t *testing.T, h Harness) {
	tg := build(t, h.Retryable)
	_, err := invoke(t, tg.Function, NewInvocation(t))
	if err == nil {
		t.Fatal("Invoke of the retryable function succeeded, want an error")
	}
	if functions.IsPermanent(err) {
		t.Errorf("error %q is permanent, want retryable", err)
	}
}

func testPermanent(t *testing.T, h Harness) {
	tg := build(t, h.Permanent)
	_, err := invoke(t, tg.Function, NewInvocation(t))
	if err == nil {
		t.Fatal("Invoke of the permanent function succeeded, want an error")
	}
	if !functions.IsPermanent(err) {
		t.Errorf("error %q is retryable, want permanent", err)
	}
	if _, ok := functions.RetryDelay(err); ok {
		t.Errorf("permanent error %q also asks for a retry delay", err)
	}
}

func testRetryAfter(t *testing.T, h Harness) {
	if h.RetryAfter == nil {
		t.Skip("the harness has no RetryAfter target")
	}
	tg, want := h.RetryAfter(t)
	tg = build(t, func(*testing.T) Target { return tg })
	_, err := invoke(t, tg.Function, NewInvocation(t))
	if err == nil {
		t.Fatal("Invoke succeeded, want a retry-after error")
	}
	if functions.IsPermanent(err) {
		t.Errorf("error %q is permanent, want retryable", err)
	}
	if got, ok := functions.RetryDelay(err); !ok || got != want {
		t.Errorf("RetryDelay(%q) = %v, %v; want %v, true", err, got, ok, want)
	}
}

// runBlocked invokes the blocking function under ctx and returns its error,
// failing the test if Invoke does not return within the suite's bound after
// stop is called.
func runBlocked(t *testing.T, ctx context.Context, tg Target, stop func()) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := tg.Function.Invoke(ctx, NewInvocation(t))
		done <- err
	}()
	if tg.Started != nil {
		testwait.For(t, bound(t), "the function to start", func() bool {
			select {
			case err := <-done:
				t.Fatalf("the blocking function returned before it was stopped: %v", err)
			default:
			}
			return tg.Started()
		})
	}
	stop()
	select {
	case err := <-done:
		return err
	case <-time.After(bound(t)):
		t.Fatal("Invoke did not return after its context was done")
		return nil
	}
}

func testCancel(t *testing.T, h Harness) {
	tg := build(t, h.Blocking)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := runBlocked(t, ctx, tg, cancel)
	if err == nil {
		t.Fatal("Invoke returned no error after cancellation")
	}
	// A cancelled invocation (the engine is shutting down) must be redelivered,
	// not dead-lettered.
	if functions.IsPermanent(err) {
		t.Errorf("cancellation error %q is permanent, want retryable", err)
	}
}

func testDeadline(t *testing.T, h Harness) {
	tg := build(t, h.Blocking)
	tg.Started = nil // the deadline fires whether or not the target was reached
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := runBlocked(t, ctx, tg, func() {})
	if err == nil {
		t.Fatal("Invoke returned no error after its deadline")
	}
	if functions.IsPermanent(err) {
		t.Errorf("deadline error %q is permanent, want retryable", err)
	}
}

func checkEvents(t *testing.T, evs []events.Event) {
	t.Helper()
	if len(evs) == 0 {
		t.Fatal("the emitting function emitted no events")
	}
	for i, e := range evs {
		if err := events.Validate(e); err != nil {
			t.Errorf("event %d (%s) is invalid: %v", i, e.Type(), err)
		}
		if err := e.Validate(); err != nil {
			t.Errorf("event %d (%s) is invalid: %v", i, e.Type(), err)
		}
	}
}

func testEmitted(t *testing.T, h Harness) {
	tg := build(t, h.Emitting)
	res, err := invoke(t, tg.Function, NewInvocation(t))
	if err != nil {
		t.Fatalf("Invoke of the emitting function: %v", err)
	}
	checkEvents(t, res.Events)
}

// testSameID redelivers one invocation, one after another and then at the
// same time, as JetStream may: every call succeeds and the id reaches the
// target each time so it can deduplicate.
func testSameID(t *testing.T, h Harness) {
	tg := build(t, h.Succeeding)
	inv := NewInvocation(t)
	for attempt := 1; attempt <= 2; attempt++ {
		inv.Attempt = attempt
		if _, err := invoke(t, tg.Function, inv); err != nil {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := invoke(t, tg.Function, inv)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent redelivery: %v", err)
		}
	}
	if tg.Deliveries != nil {
		got := tg.Deliveries()
		if len(got) != 4 {
			t.Errorf("target saw %d deliveries (%q), want 4", len(got), got)
		}
		for _, id := range got {
			if id != inv.ID {
				t.Errorf("target saw invocation id %q, want %q", id, inv.ID)
			}
		}
	}

	em := build(t, h.Emitting)
	inv = NewInvocation(t)
	for attempt := 1; attempt <= 2; attempt++ {
		inv.Attempt = attempt
		res, err := invoke(t, em.Function, inv)
		if err != nil {
			t.Fatalf("emitting, attempt %d: %v", attempt, err)
		}
		checkEvents(t, res.Events)
	}
}

// testCustomInput gives the function a rule's input expression value instead
// of the event, as a rule with `input:` does.
func testCustomInput(t *testing.T, h Harness) {
	tg := build(t, h.Succeeding)
	inv := NewInvocation(t)
	inv.Input = json.RawMessage(`{"body":"Build started for abc123","context":{"pr":7}}`)
	inv.Context = map[string]any{"pr": 7}
	if _, err := invoke(t, tg.Function, inv); err != nil {
		t.Fatalf("Invoke with a custom input: %v", err)
	}
}
