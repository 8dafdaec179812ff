package functions

import (
	"errors"
	"fmt"
	"time"
)

// ErrUnknownType is returned by the registry for an unregistered function type.
var ErrUnknownType = errors.New("unknown function type")

// PermanentError marks a failure that no retry can fix: the invoker
// dead-letters the invocation at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so the invoker does not retry it. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err (or anything it wraps) is permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryAfterError is a retryable failure that names how long to wait, for
// example from an HTTP Retry-After header.
type RetryAfterError struct {
	Err  error
	Wait time.Duration
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.Wait)
}
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter wraps err with the delay the target asked for.
func RetryAfter(err error, wait time.Duration) error {
	if err == nil {
		return nil
	}
	return &RetryAfterError{Err: err, Wait: wait}
}

// RetryDelay returns the wait a RetryAfterError asks for, if err has one.
func RetryDelay(err error) (time.Duration, bool) {
	var r *RetryAfterError
	if errors.As(err, &r) {
		return r.Wait, true
	}
	return 0, false
}
