package functionstest_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/functionstest"
)

// TestRunInProcess runs the suite against plain in-process functions that
// behave as the contract says, the reference every function type is held to.
func TestRunInProcess(t *testing.T) {
	fail := func(err error) func(*testing.T) functionstest.Target {
		return func(*testing.T) functionstest.Target {
			return functionstest.Target{Function: functions.Func(func(context.Context, functions.Invocation) (functions.Result, error) {
				return functions.Result{}, err
			})}
		}
	}
	functionstest.Run(t, functionstest.Harness{
		Succeeding: func(*testing.T) functionstest.Target {
			var mu sync.Mutex
			var ids []string
			return functionstest.Target{
				Function: functions.Func(func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
					mu.Lock()
					defer mu.Unlock()
					ids = append(ids, inv.ID)
					return functions.Result{}, nil
				}),
				Deliveries: func() []string {
					mu.Lock()
					defer mu.Unlock()
					return append([]string(nil), ids...)
				},
			}
		},
		Retryable: fail(errors.New("target unavailable")),
		Permanent: fail(functions.Permanent(errors.New("bad request"))),
		Blocking: func(*testing.T) functionstest.Target {
			var started atomic.Bool
			return functionstest.Target{
				Function: functions.Func(func(ctx context.Context, _ functions.Invocation) (functions.Result, error) {
					started.Store(true)
					<-ctx.Done()
					return functions.Result{}, ctx.Err()
				}),
				Started: started.Load,
			}
		},
		Emitting: func(t *testing.T) functionstest.Target {
			return functionstest.Target{Function: functions.Func(func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
				e, err := events.New("com.example.done", "/test", map[string]string{"cause": inv.Event.ID()})
				return functions.Result{Events: []events.Event{e}}, err
			})}
		},
		RetryAfter: func(*testing.T) (functionstest.Target, time.Duration) {
			return fail(functions.RetryAfter(errors.New("slow down"), 3*time.Second))(nil), 3 * time.Second
		},
	})
}

func TestNewInvocation(t *testing.T) {
	a, b := functionstest.NewInvocation(t), functionstest.NewInvocation(t)
	if a.ID == "" || a.ID == b.ID {
		t.Errorf("invocation ids %q, %q: want distinct, non-empty", a.ID, b.ID)
	}
	if err := events.Validate(a.Event); err != nil {
		t.Errorf("sample event is invalid: %v", err)
	}
	var e events.Event
	if err := e.UnmarshalJSON(a.Input); err != nil || e.ID() != a.Event.ID() {
		t.Errorf("input is not the event in JSON form: %v", err)
	}
}
