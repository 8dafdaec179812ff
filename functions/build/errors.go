package build

import "errors"

// Sentinel errors.
var (
	// ErrNotFound is returned for an unknown build id.
	ErrNotFound = errors.New("build not found")
	// ErrNoSource means the event names nothing to build and the function
	// has no repository configured.
	ErrNoSource = errors.New("nothing to build")
	// ErrNoJetStream means the function runs without a server.
	ErrNoJetStream = errors.New("the build function needs JetStream")
	// ErrNotRunning is returned when stopping a build that has ended.
	ErrNotRunning = errors.New("build is not running")
	// errWorkerLost is the message of a build the reaper gave up on.
	errWorkerLost = errors.New("worker lost")
)
