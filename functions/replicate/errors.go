package replicate

import "errors"

// ErrConfig is matched (errors.Is) by every configuration error of this
// package.
var ErrConfig = errors.New("replicate: invalid config")

// ConfigError names the configuration field that is wrong. It never carries
// the field's value, which may be a secret.
type ConfigError struct {
	Field  string // "targets[1].url", "repositories[0]"
	Reason string
}

func (e *ConfigError) Error() string { return "replicate: config: " + e.Field + ": " + e.Reason }

// Is makes every ConfigError match ErrConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

func configError(field, reason string) error { return &ConfigError{Field: field, Reason: reason} }

var (
	// ErrNoSource is returned (permanent) for an event whose data has no
	// repository.cloneURL, or one that is not a URL git may be given.
	ErrNoSource = errors.New("replicate: no usable source repository in the event")
	// ErrLockLost ends a run whose lock expired or was taken over (the
	// worker was paused longer than the lock's TTL); the invocation is
	// retried.
	ErrLockLost = errors.New("replicate: lock lost")
	// ErrEmptySource refuses to push a source that has no branch and no tag:
	// with --prune that would delete every branch and tag of every target.
	ErrEmptySource = errors.New("replicate: source has no branches or tags; refusing to prune the targets empty")
)
