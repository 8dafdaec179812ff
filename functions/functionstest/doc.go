// Package functionstest is the conformance suite that every function type
// runs in its tests: it checks that failures are classified the way the
// invoker expects (retryable, permanent, retry-after), that cancellation and
// deadlines end an invocation, that emitted events are valid CloudEvents and
// that invoking the same invocation id again is safe.
//
//	func TestConformance(t *testing.T) {
//		functionstest.Run(t, functionstest.Harness{
//			Succeeding: func(t *testing.T) functionstest.Target { ... },
//			...
//		})
//	}
package functionstest
