package notify

import (
	"errors"
	"time"

	"github.com/codebridge/codebridge/functions"
)

// ErrConfig is matched (errors.Is) by every configuration error of this
// package.
var ErrConfig = errors.New("notify: invalid config")

// ConfigError names the configuration field that is wrong. It never carries
// the field's value, which may be a secret.
type ConfigError struct {
	Field  string // "webhook.url", "email.to[1]", "title"
	Reason string
}

func (e *ConfigError) Error() string { return "notify: config: " + e.Field + ": " + e.Reason }

// Is makes every ConfigError match ErrConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

func configError(field, reason string) error { return &ConfigError{Field: field, Reason: reason} }

// deliveryError is one channel's failure, already masked, with what the
// caller needs to decide between retrying and giving up.
type deliveryError struct {
	msg       string
	err       error
	permanent bool
	// wait is the delay the target asked for (Retry-After) when hasWait.
	wait    time.Duration
	hasWait bool
}

func (e *deliveryError) Error() string { return e.msg }
func (e *deliveryError) Unwrap() error { return e.err }

func permanentError(err error) *deliveryError {
	return &deliveryError{msg: err.Error(), err: err, permanent: true}
}

// retryableError is a failure worth retrying; wait > 0 is the delay the
// target asked for.
func retryableError(err error, wait time.Duration) *deliveryError {
	return &deliveryError{msg: err.Error(), err: err, wait: wait, hasWait: wait > 0}
}

// retryAfterError is a retryable failure whose target named the delay, which
// may be zero ("Retry-After: 0").
func retryAfterError(err error, wait time.Duration) *deliveryError {
	return &deliveryError{msg: err.Error(), err: err, wait: wait, hasWait: true}
}

// asDeliveryError classifies err: a deliveryError keeps its class, anything
// else (a dial error, a timeout) is retryable.
func asDeliveryError(err error) *deliveryError {
	var de *deliveryError
	if errors.As(err, &de) {
		return de
	}
	return retryableError(err, 0)
}

// masker replaces secret values with "***" in anything written out. Error
// paths are built not to include secrets in the first place; this is the
// second line of defence for text that comes from elsewhere (a server's
// reply, a library's error).
type masker struct{ m *functions.Masker }

// minSecretLen keeps tiny values (a port, "yes") from garbling every message.
const minSecretLen = 4

func newMasker(secrets []string) masker {
	long := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if len(s) >= minSecretLen {
			long = append(long, s)
		}
	}
	return masker{m: functions.NewMasker(long...)}
}

func (m masker) String(s string) string { return m.m.Mask(s) }

// Error returns err with its message masked and its chain kept for errors.Is.
func (m masker) Error(err error) error {
	if err == nil {
		return nil
	}
	if de, ok := err.(*deliveryError); ok {
		c := *de
		c.msg = m.String(de.msg)
		return &c
	}
	return &maskedError{msg: m.String(err.Error()), err: err}
}

type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }
