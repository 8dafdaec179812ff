package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/functions"
)

func init() {
	functions.Register(functions.Spec{
		Type:    "build",
		Summary: "check a commit out and run its buildspec.yml, with logs, artifacts, cache, test reports and badges",
		New:     New,
		// Builds take longer than most functions: without a timeout in the
		// config the engine gives them this one.
		DefaultTimeout: DefaultTimeout,
	})
}

// Function is a configured build function.
type Function struct {
	name     string
	cfg      Config
	deps     functions.Deps
	log      zerolog.Logger
	secrets  SecretProvider
	mirrors  *mirrors
	workerID string

	storeMu sync.Mutex
	st      *store

	reaperStop context.CancelFunc
	reaperDone chan struct{}

	// onCommand, if set, hears each command start (benchmarks).
	onCommand func(buildID, phase string, index int)
}

var (
	_ functions.Function     = (*Function)(nil)
	_ functions.Starter      = (*Function)(nil)
	_ functions.Closer       = (*Function)(nil)
	_ functions.HTTPProvider = (*Function)(nil)
)

// New is the build type's factory.
func New(name string, decode func(v any) error, deps functions.Deps) (functions.Function, error) {
	var cfg Config
	if err := decode(&cfg); err != nil {
		return nil, fmt.Errorf("build %s: %w", name, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("build %s: %w", name, err)
	}
	cfg = cfg.withDefaults()
	dataDir := deps.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(os.TempDir(), "codebridge-build")
	}
	if cfg.Workdir == "" {
		cfg.Workdir = filepath.Join(dataDir, "workspaces")
	}
	host, _ := os.Hostname()
	return &Function{
		name:     name,
		cfg:      cfg,
		deps:     deps,
		log:      deps.Logger,
		secrets:  EnvFileSecrets{},
		mirrors:  newMirrors(filepath.Join(dataDir, "mirrors")),
		workerID: host + "/" + uuid.NewString()[:8],
	}, nil
}

// SetSecretProvider replaces how env.secrets references are resolved
// (default EnvFileSecrets). Call it before the first Invoke.
func (f *Function) SetSecretProvider(p SecretProvider) { f.secrets = p }

// store opens the JetStream resources on first use.
func (f *Function) store(ctx context.Context) (*store, error) {
	if f.deps.JetStream == nil {
		return nil, ErrNoJetStream
	}
	f.storeMu.Lock()
	defer f.storeMu.Unlock()
	if f.st != nil {
		return f.st, nil
	}
	st, err := openStore(ctx, f.deps.JetStream)
	if err != nil {
		return nil, err
	}
	f.st = st
	return st, nil
}

// Start opens the store and starts the reaper of builds whose worker died.
func (f *Function) Start(ctx context.Context) error {
	st, err := f.store(ctx)
	if errors.Is(err, ErrNoJetStream) {
		return nil
	}
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f.reaperStop, f.reaperDone = cancel, make(chan struct{})
	go func() {
		defer close(f.reaperDone)
		f.reapLoop(rctx, st)
	}()
	return nil
}

// Close stops the reaper.
func (f *Function) Close() error {
	if f.reaperStop != nil {
		f.reaperStop()
		<-f.reaperDone
		f.reaperStop = nil
	}
	return nil
}
