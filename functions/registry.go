package functions

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// Deps are what the engine lends a function at construction time.
type Deps struct {
	// Logger is already tagged with the function's name.
	Logger zerolog.Logger
	// DataDir is a directory the function may keep state in (mirrors, caches).
	DataDir string
	// NATS and JetStream are the engine's connection, for functions that keep
	// state on the bus (KV, object store, logs) or publish to subjects. They
	// are nil where a function runs without a server (tests, local mode).
	NATS      *nats.Conn
	JetStream jetstream.JetStream
	// Secrets are the values expanded from ${VAR} in the configuration; a
	// function masks them in anything it writes out.
	Secrets []string
}

// Factory builds a function instance from its configuration block. decode
// fills a config struct from the block (YAML field names, unknown fields
// refused) so each type owns its own config shape and validation.
type Factory func(name string, decode func(v any) error, deps Deps) (Function, error)

// Spec describes a function type: its factory and a one-line summary shown in
// docs and errors.
type Spec struct {
	Type    string
	Summary string
	New     Factory
	// DefaultTimeout bounds one invocation when the configuration sets no
	// timeout (the engine's default, 5m, when zero). A build needs longer
	// than a notification.
	DefaultTimeout time.Duration
}

var (
	mu       sync.RWMutex
	registry = map[string]Spec{}
)

// Register adds a function type. It panics on a duplicate type, a programming
// error caught at start-up.
func Register(s Spec) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[s.Type]; dup {
		panic("functions: type registered twice: " + s.Type)
	}
	registry[s.Type] = s
}

// Lookup returns the spec of a registered type.
func Lookup(typ string) (Spec, error) {
	mu.RLock()
	defer mu.RUnlock()
	s, ok := registry[typ]
	if !ok {
		return Spec{}, fmt.Errorf("%w %q (known: %v)", ErrUnknownType, typ, typesLocked())
	}
	return s, nil
}

// Types lists the registered types, sorted.
func Types() []string {
	mu.RLock()
	defer mu.RUnlock()
	return typesLocked()
}

func typesLocked() []string {
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
