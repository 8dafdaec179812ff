package webhook

import (
	"errors"
	"fmt"
)

// Sentinels that Verify and Parse errors match with errors.Is. A handler
// answers ErrUnauthorized with 401, ErrMalformed with 400, and ErrPing and
// ErrIgnored with 2xx and nothing published.
var (
	// ErrUnauthorized: the signature or token is missing, malformed or wrong.
	ErrUnauthorized = errors.New("webhook: unauthorized")
	// ErrPing: the delivery is the provider's connectivity check.
	ErrPing = errors.New("webhook: ping")
	// ErrIgnored: the delivery is valid but maps to no catalogue event.
	ErrIgnored = errors.New("webhook: event not mapped")
	// ErrMalformed: the body is not the payload its event header announces.
	ErrMalformed = errors.New("webhook: malformed delivery")
)

// Malformed returns an ErrMalformed error with a message naming what is wrong.
func Malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Ignored returns an ErrIgnored error saying which event or action it was.
func Ignored(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrIgnored, fmt.Sprintf(format, args...))
}

// Unauthorized returns an ErrUnauthorized error. The reason never includes a
// secret or the signature that was sent.
func Unauthorized(reason string) error {
	return fmt.Errorf("%w: %s", ErrUnauthorized, reason)
}
