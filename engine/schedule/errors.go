package schedule

import (
	"errors"
	"fmt"
)

// ErrRunning is returned by Run when the scheduler is already running.
var ErrRunning = errors.New("schedule: scheduler is already running")

// SyntaxError is a schedule expression that Parse refuses.
type SyntaxError struct {
	Expr   string // the expression as given
	Reason string // what is wrong with it
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("schedule %q: %s", e.Expr, e.Reason) }

func syntaxError(expr, format string, args ...any) error {
	return &SyntaxError{Expr: expr, Reason: fmt.Sprintf(format, args...)}
}
