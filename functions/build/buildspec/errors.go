package buildspec

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every parse error, for errors.Is.
var ErrInvalid = errors.New("invalid buildspec")

// Error is a parse error at a place in the file.
type Error struct {
	File   string // as given to Parse
	Line   int    // 1-based; 0 when the error has no position
	Column int
	Field  string // dotted path such as phases.build.commands[2]
	Msg    string
}

func (e *Error) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", where, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", where, e.Field, e.Msg)
}

// Unwrap lets errors.Is match ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }
