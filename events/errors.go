package events

import (
	"errors"
	"fmt"
)

// ErrInvalid is matched (errors.Is) by every validation and decoding error of
// this package, so callers can answer 400 without knowing the detail.
var ErrInvalid = errors.New("invalid event")

// FieldError names the attribute or data field that is wrong.
type FieldError struct {
	Field  string // "id", "type", "data.repository.name", ...
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func fieldError(field, reason string) error { return &FieldError{Field: field, Reason: reason} }

// prefixField returns err with "data." (or another prefix) before its field.
func prefixField(prefix string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: prefix + fe.Field, Reason: fe.Reason}
	}
	return fmt.Errorf("%s: %w", prefix, err)
}
