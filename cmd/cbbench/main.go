// Command cbbench measures codebridge against raw JetStream on the same
// machine, in one run: the baseline publish and consume+ack rates of an
// embedded server, the engine end to end (publish -> 100 rules -> no-op
// function -> ack), and the latency from publish to function start at half
// the end-to-end rate. `make bench` runs it; BENCHMARKS.md records the
// figures.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	cloudevent "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/engine"
	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/rules"
)

func main() {
	n := flag.Int("n", 50000, "messages per throughput run")
	rulesN := flag.Int("rules", 100, "rules in the end-to-end run")
	latN := flag.Int("latency-n", 5000, "events in the latency run")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.StringVar(&only, "only", "", "run only this part: queue or inline (for profiling)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*n, *rulesN, *latN); err != nil {
		fmt.Fprintln(os.Stderr, "cbbench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// only restricts a run to one engine path.
var only string

func run(n, rulesN, latN int) error {
	ctx := context.Background()
	host, _ := os.Hostname()
	fmt.Printf("cbbench: %s, %s/%s, GOMAXPROCS=%d, NumCPU=%d, %s\n", host, runtime.GOOS, runtime.GOARCH,
		runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.Version())
	payload := event1KiB()

	if only != "" {
		e2e, err := endToEnd(ctx, n, rulesN, only == "inline")
		fmt.Printf("engine %s: %.0f events/s\n", only, e2e)
		return err
	}
	pubPlain, pubDedup, consume, err := baseline(ctx, n, payload)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	fmt.Printf("baseline   publish (async, file store)         %9.0f msg/s\n", pubPlain)
	fmt.Printf("baseline   publish with Nats-Msg-Id            %9.0f msg/s\n", pubDedup)
	fmt.Printf("baseline   durable consume+ack                 %9.0f msg/s\n", consume)
	hops, err := threeHop(ctx, n, payload)
	if err != nil {
		return fmt.Errorf("three-hop baseline: %w", err)
	}
	fmt.Printf("baseline   raw three hops (publish -> consume, republish, ack -> consume+ack) %9.0f msg/s  (%.2f x consume+ack)\n", hops, hops/consume)

	for _, inline := range []bool{false, true} {
		mode := "work queue"
		if inline {
			mode = "inline    "
		}
		e2e, err := endToEnd(ctx, n, rulesN, inline)
		if err != nil {
			return fmt.Errorf("end to end: %w", err)
		}
		fmt.Printf("engine %s publish -> %d rules -> no-op -> ack %9.0f events/s  (%.2f x consume+ack)\n", mode, rulesN, e2e, e2e/consume)
		rate := e2e / 2
		p50, p99, err := latency(ctx, latN, rulesN, rate, inline)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		fmt.Printf("engine %s publish -> function start at %.0f/s   p50 %s  p99 %s\n", mode, rate, p50.Round(time.Microsecond), p99.Round(time.Microsecond))
	}
	return nil
}

// event1KiB is the data of a referenceUpdated event padded to about 1 KiB on
// the wire.
func event1KiB() []byte {
	return []byte(`{"repository":{"name":"app","fullName":"acme/app","cloneURL":"https://git.example.com/acme/app.git","provider":"git"},` +
		`"referenceFullName":"refs/heads/main","referenceName":"main","referenceType":"branch",` +
		`"commitId":"2222222222222222222222222222222222222222","oldCommitId":"1111111111111111111111111111111111111111",` +
		`"pusher":"` + strings.Repeat("p", 640) + `"}`)
}

func startServer(dir string) (*server.Server, *nats.Conn, jetstream.JetStream, error) {
	srv, err := server.NewServer(&server.Options{JetStream: true, StoreDir: dir, DontListen: true, NoSigs: true, NoLog: true})
	if err != nil {
		return nil, nil, nil, err
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		return nil, nil, nil, fmt.Errorf("server did not start")
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		return nil, nil, nil, err
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	return srv, nc, js, err
}

// baseline measures raw JetStream on an embedded file-store server like the
// engine's: async publish with and without a dedupe id, then one durable
// pull consumer acking every message.
func baseline(ctx context.Context, n int, payload []byte) (pub, pubDedup, consume float64, err error) {
	dir, _ := os.MkdirTemp("", "cbbench-base-")
	defer os.RemoveAll(dir)
	srv, nc, js, err := startServer(dir)
	if err != nil {
		return 0, 0, 0, err
	}
	defer srv.Shutdown()
	defer nc.Close()
	for _, name := range []string{"PLAIN", "DEDUP"} {
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{strings.ToLower(name) + ".>"}, Storage: jetstream.FileStorage, Duplicates: 2 * time.Minute}); err != nil {
			return 0, 0, 0, err
		}
	}
	publish := func(subject string, dedup bool) (float64, error) {
		start := time.Now()
		for i := 0; i < n; i++ {
			m := nats.NewMsg(subject)
			m.Data = payload
			if dedup {
				m.Header.Set(nats.MsgIdHdr, fmt.Sprintf("id-%d", i))
			}
			if _, err := js.PublishMsgAsync(m, stall); err != nil {
				return 0, err
			}
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(2 * time.Minute):
			return 0, fmt.Errorf("publish did not complete")
		}
		return float64(n) / time.Since(start).Seconds(), nil
	}
	if pub, err = publish("plain.x", false); err != nil {
		return
	}
	if pubDedup, err = publish("dedup.x", true); err != nil {
		return
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, "PLAIN", jetstream.ConsumerConfig{Durable: "c", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 4096})
	if err != nil {
		return
	}
	var got atomic.Int64
	done := make(chan struct{})
	start := time.Now()
	cc, err := cons.Consume(func(m jetstream.Msg) {
		_ = m.Ack()
		if got.Add(1) == int64(n) {
			close(done)
		}
	}, jetstream.PullMaxMessages(512))
	if err != nil {
		return
	}
	defer cc.Stop()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		return 0, 0, 0, fmt.Errorf("consume did not complete")
	}
	consume = float64(n) / time.Since(start).Seconds()
	return pub, pubDedup, consume, nil
}

// stall lets the load generator wait for room among its outstanding async
// publishes rather than fail when the server is briefly behind.
var stall = jetstream.WithStallWait(time.Minute)

// threeHop is the engine's data flow in raw JetStream, with no decoding and
// no rules: publish to stream A; a consumer of A republishes each message
// to work-queue stream B and acks it after the PubAck; a consumer of B acks.
// It is the ceiling of the work-queue path.
func threeHop(ctx context.Context, n int, payload []byte) (float64, error) {
	dir, _ := os.MkdirTemp("", "cbbench-hops-")
	defer os.RemoveAll(dir)
	srv, nc, js, err := startServer(dir)
	if err != nil {
		return 0, err
	}
	defer srv.Shutdown()
	defer nc.Close()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "A", Subjects: []string{"a.>"}, Storage: jetstream.FileStorage}); err != nil {
		return 0, err
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "B", Subjects: []string{"b.>"}, Storage: jetstream.FileStorage, Retention: jetstream.WorkQueuePolicy}); err != nil {
		return 0, err
	}
	ca, err := js.CreateOrUpdateConsumer(ctx, "A", jetstream.ConsumerConfig{Durable: "a", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 4096})
	if err != nil {
		return 0, err
	}
	cb, err := js.CreateOrUpdateConsumer(ctx, "B", jetstream.ConsumerConfig{Durable: "b", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 4096})
	if err != nil {
		return 0, err
	}
	var got atomic.Int64
	done := make(chan struct{})
	ccB, err := cb.Consume(func(m jetstream.Msg) {
		_ = m.Ack()
		if got.Add(1) == int64(n) {
			close(done)
		}
	}, jetstream.PullMaxMessages(512))
	if err != nil {
		return 0, err
	}
	defer ccB.Stop()
	// The republisher has a connection of its own, as the engine's router
	// shares none with the load generator.
	rc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	rjs, _ := jetstream.New(rc, jetstream.WithPublishAsyncMaxPending(4096))
	ccA, err := ca.Consume(func(m jetstream.Msg) {
		out := nats.NewMsg("b.x")
		out.Data = m.Data()
		f, err := rjs.PublishMsgAsync(out, stall)
		if err != nil {
			_ = m.Nak()
			return
		}
		go func() {
			select {
			case <-f.Ok():
				_ = m.Ack()
			case <-f.Err():
				_ = m.Nak()
			}
		}()
	}, jetstream.PullMaxMessages(512))
	if err != nil {
		return 0, err
	}
	defer ccA.Stop()
	pub, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		return 0, err
	}
	defer pub.Close()
	pjs, _ := jetstream.New(pub, jetstream.WithPublishAsyncMaxPending(4096))
	start := time.Now()
	for i := 0; i < n; i++ {
		m := nats.NewMsg("a.x")
		m.Data = payload
		if _, err := pjs.PublishMsgAsync(m, stall); err != nil {
			return 0, err
		}
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("only %d of %d", got.Load(), n)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// noop counts invocations and records publish-to-start latency.
var (
	invoked   atomic.Int64
	latencies = make(chan time.Duration, 1<<20)
	measure   atomic.Bool
)

func init() {
	functions.Register(functions.Spec{
		Type: "noop", Summary: "does nothing (benchmarks)",
		New: func(string, func(any) error, functions.Deps) (functions.Function, error) {
			return functions.Func(func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
				if measure.Load() {
					latencies <- time.Since(inv.Event.Time())
				}
				invoked.Add(1)
				return functions.Result{}, nil
			}), nil
		},
	})
}

// benchConfig has rulesN rules that differ in the repository name; only
// rule 0 matches the benchmark's events.
func benchConfig(dir string, rulesN int, inline bool) (*rules.Config, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "server: { dataDir: %q }\nnats: { listen: \"\" }\nfunctions:\n  noop: { type: noop, concurrency: 1024, inline: %v }\nrules:\n", dir, inline)
	for i := 0; i < rulesN; i++ {
		repo := fmt.Sprintf("repo-%d", i)
		if i == 0 {
			repo = "app"
		}
		fmt.Fprintf(&b, "  - name: r%d\n    match: event.type == \"dev.codebridge.repository.referenceUpdated\" && event.data.repository.name == %q\n    targets: [ { function: noop } ]\n", i, repo)
	}
	path := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return rules.Load(path)
}

// withEngine runs an engine and hands f a JetStream client of its own,
// connected over loopback TCP like any publisher would be, so the load
// generator does not share the engine's connection.
func withEngine(ctx context.Context, rulesN int, inline bool, f func(js jetstream.JetStream) error) error {
	dir, _ := os.MkdirTemp("", "cbbench-engine-")
	defer os.RemoveAll(dir)
	cfg, err := benchConfig(dir, rulesN, inline)
	if err != nil {
		return err
	}
	listen := "127.0.0.1:0"
	eng, err := engine.New(ctx, engine.Options{Config: cfg, Logger: zerolog.Nop(), HTTPAddr: "127.0.0.1:0", NATSListen: &listen})
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	nc, err := nats.Connect(eng.NATSURL())
	if err == nil {
		var js jetstream.JetStream
		if js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096)); err == nil {
			err = f(js)
		}
		nc.Close()
	}
	cancel()
	if rerr := <-done; err == nil {
		err = rerr
	}
	return err
}

func benchEvent(i int, payload []byte) *nats.Msg {
	e := cloudevent.New(cloudevent.CloudEventsVersionV1)
	e.SetID(fmt.Sprintf("ev-%d", i))
	e.SetType(events.ReferenceUpdated)
	e.SetSource("https://git.example.com/acme/app")
	e.SetTime(time.Now())
	_ = events.SetJSONData(&e, payload)
	return events.ToMsg(events.Subject(e.Type()), e)
}

// endToEnd publishes n events and measures until n invocations have run.
func endToEnd(ctx context.Context, n, rulesN int, inline bool) (float64, error) {
	payload := event1KiB()
	var rate float64
	err := withEngine(ctx, rulesN, inline, func(js jetstream.JetStream) error {
		invoked.Store(0)
		msgs := make([]*nats.Msg, n)
		for i := range msgs {
			msgs[i] = benchEvent(i, payload)
		}
		start := time.Now()
		for _, m := range msgs {
			if _, err := js.PublishMsgAsync(m, stall); err != nil {
				return err
			}
		}
		deadline := time.Now().Add(5 * time.Minute)
		for invoked.Load() < int64(n) {
			if time.Now().After(deadline) {
				return fmt.Errorf("only %d of %d invocations", invoked.Load(), n)
			}
			time.Sleep(time.Millisecond)
		}
		rate = float64(n) / time.Since(start).Seconds()
		return nil
	})
	return rate, err
}

// latency publishes at a fixed rate and reports publish -> function start.
func latency(ctx context.Context, n, rulesN int, rate float64, inline bool) (p50, p99 time.Duration, err error) {
	payload := event1KiB()
	var samples []time.Duration
	err = withEngine(ctx, rulesN, inline, func(js jetstream.JetStream) error {
		invoked.Store(0)
		measure.Store(true)
		defer measure.Store(false)
		interval := time.Duration(float64(time.Second) / rate)
		next := time.Now()
		for i := 0; i < n; i++ {
			if d := time.Until(next); d > 0 {
				time.Sleep(d) // pacing the load generator
			}
			next = next.Add(interval)
			if _, err := js.PublishMsgAsync(benchEvent(i, payload), stall); err != nil {
				return err
			}
		}
		for len(samples) < n {
			select {
			case d := <-latencies:
				samples = append(samples, d)
			case <-time.After(time.Minute):
				return fmt.Errorf("only %d of %d latency samples", len(samples), n)
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	return samples[len(samples)/2], samples[len(samples)*99/100], nil
}
