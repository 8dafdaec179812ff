package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/engine/poll"
	"github.com/codebridge/codebridge/engine/schedule"
	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/rules"
)

// Options configure an Engine. Config is required; the other fields override
// the configuration file (the CLI's flags) or tune the runtime.
type Options struct {
	Config *rules.Config
	Logger zerolog.Logger

	HTTPAddr string // overrides server.http; "127.0.0.1:0" picks a free port
	DataDir  string // overrides server.dataDir
	NATSURL  string // overrides nats.url
	// NATSListen overrides nats.listen when non-nil ("" = in-process only).
	NATSListen *string

	// ShutdownTimeout bounds how long in-flight invocations may finish after
	// Run's context is cancelled (default 30s).
	ShutdownTimeout time.Duration
	// AckWait is how long a worker may be silent before its invocation is
	// redelivered elsewhere (default 30s); running invocations send
	// in-progress acks every third of it.
	AckWait time.Duration
	// WatchConfig reloads the rules when the config file changes.
	WatchConfig bool
}

// Engine is one codebridge worker.
type Engine struct {
	opts     Options
	log      zerolog.Logger
	bus      *bus
	metrics  *metrics
	dataDir  string
	hopLimit int
	maxEvent int64

	cfg    atomic.Pointer[rules.Config]
	masker atomic.Pointer[functions.Masker] // the config's secrets, for error texts
	rules  atomic.Pointer[rules.Set]
	// inline maps the functions the router may run itself to their invoker.
	inline atomic.Pointer[map[string]*invoker]

	mu        sync.Mutex // guards invokers and functions during reloads
	functions map[string]functions.Function
	invokers  map[string]*invoker
	consumes  []jetstream.ConsumeContext
	runCtx    context.Context

	router    *router
	scheduler *schedule.Scheduler
	listener  net.Listener
	http      *http.Server
	ready     atomic.Bool
}

// New connects to NATS (starting the embedded server if no URL is given),
// makes sure the streams exist, builds every configured function and binds
// the HTTP address. Run starts the work.
func New(ctx context.Context, o Options) (*Engine, error) {
	cfg := o.Config
	if cfg == nil {
		return nil, errors.New("engine: no configuration")
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	e := &Engine{
		opts:      o,
		log:       o.Logger,
		metrics:   newMetrics(),
		hopLimit:  cfg.Engine.HopLimit,
		maxEvent:  cfg.Server.MaxEventBytes,
		functions: map[string]functions.Function{},
		invokers:  map[string]*invoker{},
	}
	if e.hopLimit <= 0 {
		e.hopLimit = 16
	}
	if e.maxEvent <= 0 {
		e.maxEvent = 256 << 10
	}
	e.dataDir = firstNonEmpty(o.DataDir, cfg.Server.DataDir, ".codebridge")
	listen := "127.0.0.1:4222"
	if cfg.NATS.Listen != nil {
		listen = *cfg.NATS.Listen
	}
	if o.NATSListen != nil {
		listen = *o.NATSListen
	}
	natsURL := firstNonEmpty(o.NATSURL, cfg.NATS.URL)
	b, err := openBus(busOptions{
		url: natsURL, credentials: cfg.NATS.Credentials, listen: listen,
		storeDir: filepath.Join(e.dataDir, "jetstream"), name: "codebridge",
	})
	if err != nil {
		return nil, err
	}
	e.bus = b
	replicas := max(cfg.NATS.Replicas, 1)
	if err := ensureStreams(ctx, b.js, streamSettings{
		replicas:        replicas,
		eventMaxAge:     durationOr(cfg.Engine.EventMaxAge.D(), 7*24*time.Hour),
		duplicateWindow: durationOr(cfg.Engine.DuplicateWindow.D(), 2*time.Minute),
	}); err != nil {
		b.close()
		return nil, err
	}
	e.cfg.Store(cfg)
	e.masker.Store(functions.NewMasker(cfg.Secrets()...))
	e.rules.Store(cfg.RuleSet())
	names := sortedKeys(cfg.Functions)
	for _, name := range names {
		fn, err := e.buildFunction(name, cfg.Functions[name])
		if err != nil {
			e.closeFunctions()
			b.close()
			return nil, err
		}
		e.functions[name] = fn
	}
	addr := firstNonEmpty(o.HTTPAddr, cfg.Server.HTTP, "127.0.0.1:8080")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		e.closeFunctions()
		b.close()
		return nil, fmt.Errorf("engine: listen on %s: %w", addr, err)
	}
	e.listener = ln
	e.http = &http.Server{Handler: e.routes(), ReadHeaderTimeout: 10 * time.Second}
	return e, nil
}

// HTTPAddr is the address the HTTP API listens on.
func (e *Engine) HTTPAddr() string { return e.listener.Addr().String() }

// NATSURL is where other NATS clients reach the embedded server ("" when the
// engine uses an external cluster or listens in-process only).
func (e *Engine) NATSURL() string { return e.bus.clientURL() }

// JetStream is the engine's JetStream handle (for tests and tools).
func (e *Engine) JetStream() jetstream.JetStream { return e.bus.js }

// DLQ returns the dead-letter queue.
func (e *Engine) DLQ() DLQ { return DLQ{js: e.bus.js} }

// Run routes and invokes until ctx is cancelled, then shuts down gracefully:
// it stops taking new work, lets in-flight invocations finish (up to
// ShutdownTimeout) and closes the connection and the embedded server.
func (e *Engine) Run(ctx context.Context) error {
	defer e.bus.close()
	defer e.closeFunctions()

	e.mu.Lock()
	e.runCtx = ctx
	for _, name := range sortedKeys(e.functions) {
		if err := e.startFunction(ctx, name, e.functions[name]); err != nil {
			e.mu.Unlock()
			return err
		}
	}
	nfn := len(e.functions)
	e.mu.Unlock()
	e.router = newRouter(e)
	rcc, err := e.router.start(ctx)
	if err != nil {
		return err
	}
	httpErr := make(chan error, 1)
	go func() { httpErr <- e.http.Serve(e.listener) }()
	if err := e.startPollers(ctx); err != nil {
		return err
	}
	if err := e.startScheduler(ctx); err != nil {
		return err
	}
	if e.opts.WatchConfig {
		go e.watchConfig(ctx)
	}
	e.ready.Store(true)
	e.log.Info().Str("http", "http://"+e.HTTPAddr()).Str("nats", firstNonEmpty(e.NATSURL(), redactURL(e.natsTarget()))).
		Int("rules", e.rules.Load().Len()).Int("functions", nfn).Msg("codebridge is running")

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-httpErr:
		runErr = fmt.Errorf("engine: http: %w", err)
	}
	e.ready.Store(false)
	e.log.Info().Msg("shutting down: draining in-flight work")

	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.opts.ShutdownTimeout)
	defer cancel()
	_ = e.http.Shutdown(shutCtx)
	rcc.Drain()
	<-rcc.Closed()
	// The router waits for its inline attempts; past the deadline they are
	// cancelled (their events are redelivered, as nothing acked them).
	routed := make(chan struct{})
	go func() { e.router.stop(); close(routed) }()
	select {
	case <-routed:
	case <-shutCtx.Done():
		e.log.Warn().Msg("shutdown: cancelling inline invocations still running")
		e.mu.Lock()
		for _, iv := range e.invokers {
			iv.cancel()
		}
		e.mu.Unlock()
		<-routed
	}
	e.mu.Lock()
	for _, cc := range e.consumes {
		cc.Drain()
	}
	for _, cc := range e.consumes {
		select {
		case <-cc.Closed():
		case <-shutCtx.Done():
		}
	}
	invs := make([]*invoker, 0, len(e.invokers))
	for _, iv := range e.invokers {
		invs = append(invs, iv)
	}
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, iv := range invs {
		wg.Add(1)
		go func() { defer wg.Done(); iv.drain(time.Until(deadlineOf(shutCtx))) }()
	}
	wg.Wait()
	e.log.Info().Msg("stopped")
	return runErr
}

// startPollers runs one poller per sources.poll entry. Every worker of a
// cluster polls; the state bucket's compare-and-set and the events'
// deterministic ids keep that from doubling events.
func (e *Engine) startPollers(ctx context.Context) error {
	cfg := e.cfg.Load()
	if len(cfg.Sources.Poll) == 0 {
		return nil
	}
	kv, err := poll.OpenBucket(ctx, e.bus.js, cfg.NATS.Replicas)
	if err != nil {
		return err
	}
	for _, ps := range cfg.Sources.Poll {
		p := poll.New(poll.Config{
			Repository: ps.Repository, Interval: ps.Interval.D(), Branches: ps.Branches, Tags: ps.Tags,
		}, kv, e, e.log)
		go p.Run(ctx)
	}
	return nil
}

func (e *Engine) natsTarget() string {
	return firstNonEmpty(e.opts.NATSURL, e.cfg.Load().NATS.URL, "in-process")
}

// buildFunction constructs one configured function through the registry.
func (e *Engine) buildFunction(name string, fc rules.FunctionConfig) (functions.Function, error) {
	spec, err := functions.Lookup(fc.Type)
	if err != nil {
		return nil, fmt.Errorf("engine: function %q: %w", name, err)
	}
	fn, err := spec.New(name, fc.Decode, functions.Deps{
		Logger:    e.log.With().Str("function", name).Logger(),
		DataDir:   filepath.Join(e.dataDir, "functions", subjectToken(name)),
		NATS:      e.bus.nc,
		JetStream: e.bus.js,
		Secrets:   e.cfg.Load().Secrets(),
	})
	if err != nil {
		return nil, fmt.Errorf("engine: function %q (type %s): %w", name, fc.Type, err)
	}
	return fn, nil
}

// startFunction starts a function's background work and its invoker. The
// caller holds e.mu.
func (e *Engine) startFunction(ctx context.Context, name string, fn functions.Function) error {
	if s, ok := fn.(functions.Starter); ok {
		if err := s.Start(ctx); err != nil {
			return fmt.Errorf("engine: start function %q: %w", name, err)
		}
	}
	fc := e.cfg.Load().Functions[name]
	iv := &invoker{
		eng: e, name: name, fn: fn,
		concurrency: max(fc.Concurrency, 1),
		timeout:     durationOr(fc.Timeout.D(), durationOr(defaultTimeout(fc.Type), 5*time.Minute)),
		ackWait:     e.opts.AckWait,
		log:         e.log.With().Str("function", name).Logger(),
		slots:       make(inlineSlots, max(fc.Concurrency, 1)),
	}
	iv.initMetrics(e.metrics)
	cc, err := iv.start(ctx)
	if err != nil {
		return err
	}
	e.invokers[name] = iv
	e.consumes = append(e.consumes, cc)
	e.publishInline()
	return nil
}

// defaultTimeout is a function type's own default invocation timeout.
func defaultTimeout(typ string) time.Duration {
	spec, err := functions.Lookup(typ)
	if err != nil {
		return 0
	}
	return spec.DefaultTimeout
}

func (e *Engine) closeFunctions() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for name, fn := range e.functions {
		if c, ok := fn.(functions.Closer); ok {
			if err := c.Close(); err != nil {
				e.log.Warn().Err(err).Str("function", name).Msg("close function")
			}
		}
	}
}

// Publish validates and stores one event; it returns once the event has its
// PubAck (a duplicate of a recent event is stored once).
func (e *Engine) Publish(ctx context.Context, ev events.Event) error {
	if err := events.Validate(ev); err != nil {
		return err
	}
	if _, err := e.bus.js.PublishMsg(ctx, eventMsg(ev)); err != nil {
		return fmt.Errorf("engine: store event %s: %w", ev.ID(), err)
	}
	return nil
}

// emit stores the events a function returned, stamped with their cause.
func (e *Engine) emit(ctx context.Context, cause events.Event, context map[string]any, out []events.Event) error {
	if len(out) == 0 {
		return nil
	}
	futures := make([]jetstream.PubAckFuture, 0, len(out))
	for i := range out {
		ev := out[i]
		if events.Cause(ev) == "" {
			if err := events.MarkCaused(&ev, cause, context); err != nil {
				return err
			}
		}
		if err := events.Validate(ev); err != nil {
			return fmt.Errorf("engine: emitted event %s: %w", ev.ID(), err)
		}
		f, err := e.bus.js.PublishMsgAsync(eventMsg(ev), stallWait)
		if err != nil {
			return fmt.Errorf("engine: store emitted event: %w", err)
		}
		futures = append(futures, f)
	}
	return waitAll(ctx, futures)
}

// announceFailure publishes dev.codebridge.engine.invocationFailed for a
// dead-lettered invocation. Its id is derived from the invocation, so a
// repeat after a crash is deduplicated.
func (e *Engine) announceFailure(ctx context.Context, cause events.Event, inv invocation, d DeadLetter, seq uint64) error {
	data := events.InvocationFailedData{
		InvocationID: inv.ID, Rule: inv.Rule, Function: d.Function,
		EventID: cause.ID(), EventType: cause.Type(), EventSource: cause.Source(),
		Attempts: d.Attempts, Reason: d.Reason, Error: d.Error, DLQSequence: seq,
	}
	ev, err := events.New(events.EngineInvocationFailed, "codebridge://engine", data,
		events.WithID(fmt.Sprintf("%s.failed.%d", inv.ID, inv.Redriven)), events.WithSubject(inv.Rule))
	if err != nil {
		return err
	}
	if err := events.MarkCaused(&ev, cause, inv.Context); err != nil {
		return err
	}
	_, err = e.bus.js.PublishMsg(ctx, eventMsg(ev))
	return err
}

func waitAll(ctx context.Context, futures []jetstream.PubAckFuture) error {
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func deadlineOf(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
