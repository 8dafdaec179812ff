package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
	"github.com/codebridge/codebridge/rules"
)

// behaviours are the in-process functions tests configure by name: a
// function instance of type "testfn" with `behaviour: NAME` runs
// behaviours[NAME].
var behaviours sync.Map // name -> functions.Func

type testfnConfig struct {
	Behaviour string `yaml:"behaviour"`
	Secret    string `yaml:"secret"`
}

func init() {
	functions.Register(functions.Spec{
		Type:    "testfn",
		Summary: "a Go function the test installs",
		New: func(name string, decode func(any) error, _ functions.Deps) (functions.Function, error) {
			var c testfnConfig
			if err := decode(&c); err != nil {
				return nil, err
			}
			return functions.Func(func(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
				f, ok := behaviours.Load(c.Behaviour)
				if !ok {
					return functions.Result{}, functions.Permanent(fmt.Errorf("no behaviour %q", c.Behaviour))
				}
				return f.(functions.Func)(ctx, inv)
			}), nil
		},
	})
}

// recorder collects invocations, safe for concurrent use.
type recorder struct {
	mu   sync.Mutex
	invs []functions.Invocation
}

func (r *recorder) add(inv functions.Invocation) {
	r.mu.Lock()
	r.invs = append(r.invs, inv)
	r.mu.Unlock()
}

func (r *recorder) all() []functions.Invocation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]functions.Invocation(nil), r.invs...)
}

func (r *recorder) len() int { return len(r.all()) }

// install registers a behaviour under a name unique to the test.
func install(t *testing.T, name string, f functions.Func) string {
	t.Helper()
	key := t.Name() + "/" + name
	behaviours.Store(key, f)
	t.Cleanup(func() { behaviours.Delete(key) })
	return key
}

// harness is a running engine on an in-process NATS server.
type harness struct {
	t      *testing.T
	eng    *Engine
	base   string
	cancel context.CancelFunc
	done   chan error
	path   string
}

// startEngine writes the config (with {{B:name}} replaced by the installed
// behaviour keys), loads it and runs an engine until the test ends.
func startEngine(t *testing.T, config string, tune func(*Options)) *harness {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "codebridge.yaml")
	config = strings.ReplaceAll(config, "{{T}}", t.Name())
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := rules.Load(path)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	none := ""
	o := Options{
		Config: cfg, Logger: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		HTTPAddr: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"), NATSListen: &none,
		ShutdownTimeout: 10 * time.Second,
	}
	if tune != nil {
		tune(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	eng, err := New(ctx, o)
	if err != nil {
		cancel()
		t.Fatalf("engine: %v", err)
	}
	h := &harness{t: t, eng: eng, base: "http://" + eng.HTTPAddr(), cancel: cancel, done: make(chan error, 1), path: path}
	go func() { h.done <- eng.Run(ctx) }()
	t.Cleanup(h.stop)
	testwait.For(t, 10*time.Second, "engine ready", func() bool {
		resp, err := http.Get(h.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return h
}

func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("engine run: %v", err)
		}
	case <-time.After(30 * time.Second):
		h.t.Error("engine did not stop")
	}
}

// post sends a request body to the HTTP API and returns status and body.
func (h *harness) post(path, contentType string, body []byte, hdr map[string]string) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.base+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// publish stores one event through POST /events and asserts 202.
func (h *harness) publish(e events.Event) {
	h.t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		h.t.Fatal(err)
	}
	if status, body := h.post("/events", ctStructured, b, nil); status != http.StatusAccepted {
		h.t.Fatalf("POST /events: %d %s", status, body)
	}
}

// streamMsgs is the number of messages a stream holds.
func (h *harness) streamMsgs(name string) uint64 {
	h.t.Helper()
	s, err := h.eng.JetStream().Stream(context.Background(), name)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return info.State.Msgs
}

func pushEvent(t *testing.T, id, repo, branch string) events.Event {
	t.Helper()
	e, err := events.New(events.ReferenceUpdated, "https://git.example.com/acme/"+repo, &events.ReferenceData{
		Repository:        events.Repository{Name: repo, FullName: "acme/" + repo, CloneURL: "https://git.example.com/acme/" + repo + ".git", Provider: "git"},
		ReferenceFullName: "refs/heads/" + branch, ReferenceName: branch, ReferenceType: events.ReferenceTypeBranch,
		CommitID: "2222222222222222222222222222222222222222", OldCommitID: "1111111111111111111111111111111111111111", Pusher: "ada",
	}, events.WithID(id), events.WithSubject("refs/heads/"+branch))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRouteInputAndChain(t *testing.T) {
	var first, second recorder
	b1 := install(t, "first", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		first.add(inv)
		out, err := events.New("com.example.followup", "codebridge://test", map[string]string{"from": inv.Event.ID()})
		return functions.Result{Events: []events.Event{out}}, err
	})
	b2 := install(t, "second", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		second.add(inv)
		return functions.Result{}, nil
	})
	h := startEngine(t, `
functions:
  first:  { type: testfn, behaviour: "`+b1+`" }
  second: { type: testfn, behaviour: "`+b2+`" }
rules:
  - name: on-main
    match: event.type == "dev.codebridge.repository.referenceUpdated" && event.data.referenceName == "main"
    targets:
      - function: first
        input: '{"who": event.data.pusher, "context": {"pr": 7, "repo": event.data.repository.name}}'
  - name: on-followup
    match: event.type == "com.example.followup" && event.context.pr == 7
    targets: [ { function: second } ]
`, nil)
	h.publish(pushEvent(t, "e-1", "app", "main"))
	h.publish(pushEvent(t, "e-2", "app", "feature")) // matches nothing
	testwait.For(t, 10*time.Second, "the chained invocation", func() bool { return second.len() == 1 })

	got := first.all()
	if len(got) != 1 {
		t.Fatalf("first invoked %d times, want 1", len(got))
	}
	var input map[string]any
	if err := json.Unmarshal(got[0].Input, &input); err != nil {
		t.Fatal(err)
	}
	if input["who"] != "ada" || got[0].Attempt != 1 || got[0].Rule != "on-main" || got[0].ID == "" {
		t.Errorf("first invocation = %+v, input %v", got[0], input)
	}
	if got[0].Context["repo"] != "app" {
		t.Errorf("context = %v, want repo app", got[0].Context)
	}
	chained := second.all()[0].Event
	if events.Cause(chained) != "e-1" || events.Hops(chained) != 1 {
		t.Errorf("chained event cause %q hops %d, want e-1 and 1", events.Cause(chained), events.Hops(chained))
	}
	if ctx := events.Context(chained); ctx["repo"] != "app" {
		t.Errorf("chained event context = %v", ctx)
	}
	// The default input of a target without `input` is the event itself.
	var in events.Event
	if err := json.Unmarshal(second.all()[0].Input, &in); err != nil || in.ID() != chained.ID() {
		t.Errorf("default input is not the event: %v %s", err, second.all()[0].Input)
	}
}

func TestRetryThenSuccess(t *testing.T) {
	for _, inline := range []bool{false, true} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			var rec recorder
			b := install(t, "flaky", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
				rec.add(inv)
				if inv.Attempt < 3 {
					return functions.Result{}, errors.New("not yet")
				}
				return functions.Result{}, nil
			})
			h := startEngine(t, fmt.Sprintf(`
functions:
  flaky: { type: testfn, behaviour: "%s", inline: %v }
rules:
  - name: r
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: flaky } ]
    retry: { maxAttempts: 5, baseDelay: 10ms, maxDelay: 20ms }
`, b, inline), nil)
			h.publish(pushEvent(t, "e-1", "app", "main"))
			testwait.For(t, 10*time.Second, "three attempts", func() bool { return rec.len() >= 3 })
			testwait.For(t, 10*time.Second, "work queue empty", func() bool { return h.streamMsgs(StreamInvocations) == 0 })
			got := rec.all()
			if len(got) != 3 {
				t.Fatalf("%d attempts, want 3", len(got))
			}
			for i, inv := range got {
				if inv.Attempt != i+1 || inv.ID != got[0].ID {
					t.Errorf("attempt %d: %+v (ids must be stable)", i+1, inv)
				}
			}
			if n := h.streamMsgs(StreamDLQ); n != 0 {
				t.Errorf("DLQ holds %d, want 0", n)
			}
		})
	}
}

func TestInlineFailuresDeadLetter(t *testing.T) {
	var rec recorder
	b := install(t, "f", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		rec.add(inv)
		if inv.Event.ID() == "perm" {
			return functions.Result{}, functions.Permanent(errors.New("no"))
		}
		return functions.Result{}, errors.New("later")
	})
	h := startEngine(t, `
functions:
  f: { type: testfn, behaviour: "`+b+`", inline: true }
rules:
  - name: r
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: f } ]
    retry: { maxAttempts: 2, baseDelay: 5ms, maxDelay: 10ms }
`, nil)
	h.publish(pushEvent(t, "perm", "app", "main"))
	h.publish(pushEvent(t, "flaky", "app", "main"))
	testwait.For(t, 10*time.Second, "two dead letters", func() bool { return h.streamMsgs(StreamDLQ) == 2 })
	list, _ := h.eng.DLQ().List(context.Background(), 0, 10)
	byEvent := map[string]DeadLetter{}
	for _, d := range list {
		var ev events.Event
		_ = json.Unmarshal(d.Event, &ev)
		byEvent[ev.ID()] = d
	}
	if d := byEvent["perm"]; d.Reason != events.ReasonPermanent || d.Attempts != 1 {
		t.Errorf("permanent inline failure: %+v", d)
	}
	if d := byEvent["flaky"]; d.Reason != events.ReasonExhausted || d.Attempts != 2 {
		t.Errorf("exhausted after an inline attempt and a queued one: %+v", d)
	}
	if n := rec.len(); n != 3 {
		t.Errorf("%d calls, want 3 (1 permanent, 2 retryable)", n)
	}
	testwait.For(t, 10*time.Second, "work queue empty", func() bool { return h.streamMsgs(StreamInvocations) == 0 })
}

func TestExhaustedGoesToDLQAndRedrive(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	var attempts, others, failures recorder
	bFail := install(t, "fail", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		attempts.add(inv)
		if failing.Load() {
			return functions.Result{}, errors.New("target is down: token=s3cr3t-value")
		}
		return functions.Result{}, nil
	})
	bOK := install(t, "ok", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		others.add(inv)
		return functions.Result{}, nil
	})
	bFailed := install(t, "failed", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		failures.add(inv)
		return functions.Result{}, nil
	})
	t.Setenv("CB_TEST_TOKEN", "s3cr3t-value")
	h := startEngine(t, `
functions:
  fail:    { type: testfn, behaviour: "`+bFail+`" }
  ok:      { type: testfn, behaviour: "`+bOK+`", secret: "${CB_TEST_TOKEN}" }
  oncall:  { type: testfn, behaviour: "`+bFailed+`" }
rules:
  - name: always-fails
    match: event.data.repository.name == "broken"
    targets: [ { function: fail } ]
    retry: { maxAttempts: 3, baseDelay: 5ms, maxDelay: 10ms }
  - name: healthy
    match: event.data.repository.name == "fine"
    targets: [ { function: ok } ]
  - name: page
    match: event.type == "dev.codebridge.engine.invocationFailed"
    targets: [ { function: oncall } ]
`, nil)
	h.publish(pushEvent(t, "bad-1", "broken", "main"))
	for i := 0; i < 20; i++ {
		h.publish(pushEvent(t, fmt.Sprintf("good-%d", i), "fine", "main"))
	}
	testwait.For(t, 10*time.Second, "invocationFailed event", func() bool { return failures.len() == 1 })
	testwait.For(t, 10*time.Second, "other events", func() bool { return others.len() == 20 })
	if n := attempts.len(); n != 3 {
		t.Errorf("%d attempts, want maxAttempts 3", n)
	}
	fe := failures.all()[0].Event
	var fd events.InvocationFailedData
	if err := json.Unmarshal(fe.Data(), &fd); err != nil {
		t.Fatal(err)
	}
	if fd.Reason != events.ReasonExhausted || fd.Attempts != 3 || fd.EventID != "bad-1" || fd.Rule != "always-fails" || fd.Function != "fail" {
		t.Errorf("invocationFailed data = %+v", fd)
	}
	if strings.Contains(fd.Error, "s3cr3t") || !strings.Contains(fd.Error, "target is down") {
		t.Errorf("error %q: want the message with the secret masked", fd.Error)
	}

	list, err := h.eng.DLQ().List(context.Background(), 0, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("DLQ list = %v, %v", list, err)
	}
	d := list[0]
	if d.Rule != "always-fails" || d.Function != "fail" || d.Attempts != 3 || d.Reason != events.ReasonExhausted || len(d.Input) == 0 {
		t.Errorf("dead letter = %+v", d)
	}
	var ev events.Event
	if err := json.Unmarshal(d.Event, &ev); err != nil || ev.ID() != "bad-1" {
		t.Errorf("dead letter event = %s (%v)", d.Event, err)
	}

	// Fix the target, redrive through the API: one more successful attempt.
	failing.Store(false)
	status, body := h.post(fmt.Sprintf("/api/dlq/%d/redrive", d.Sequence), "", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("redrive: %d %s", status, body)
	}
	testwait.For(t, 10*time.Second, "redriven attempt", func() bool { return attempts.len() == 4 })
	testwait.For(t, 10*time.Second, "DLQ emptied", func() bool { return h.streamMsgs(StreamDLQ) == 0 })
	if last := attempts.all()[3]; last.Attempt != 1 || last.ID != attempts.all()[0].ID {
		t.Errorf("redriven invocation = attempt %d id %s; want a fresh attempt count and the same id", last.Attempt, last.ID)
	}
}

func TestPermanentErrorSkipsRetries(t *testing.T) {
	var rec recorder
	b := install(t, "perm", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		rec.add(inv)
		return functions.Result{}, functions.Permanent(errors.New("bad input"))
	})
	h := startEngine(t, `
functions:
  perm: { type: testfn, behaviour: "`+b+`" }
rules:
  - name: r
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: perm } ]
    retry: { maxAttempts: 10, baseDelay: 5ms }
`, nil)
	h.publish(pushEvent(t, "e-1", "app", "main"))
	testwait.For(t, 10*time.Second, "dead letter", func() bool { return h.streamMsgs(StreamDLQ) == 1 })
	list, _ := h.eng.DLQ().List(context.Background(), 0, 10)
	if rec.len() != 1 || len(list) != 1 || list[0].Reason != events.ReasonPermanent || list[0].Attempts != 1 {
		t.Errorf("attempts %d, dead letters %+v; want 1 attempt, reason permanent", rec.len(), list)
	}
}

func TestLoopIsDeadLettered(t *testing.T) {
	var rec recorder
	b := install(t, "echo", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		rec.add(inv)
		out, err := events.New("com.example.ping", "codebridge://test", map[string]int{"n": rec.len()})
		return functions.Result{Events: []events.Event{out}}, err
	})
	h := startEngine(t, `
engine: { hopLimit: 4 }
functions:
  echo: { type: testfn, behaviour: "`+b+`" }
rules:
  - name: ping-pong
    match: event.type == "com.example.ping"
    targets: [ { function: echo } ]
`, nil)
	start, _ := events.New("com.example.ping", "codebridge://test", map[string]int{"n": 0}, events.WithID("start"))
	h.publish(start)
	testwait.For(t, 10*time.Second, "loop dead letter", func() bool { return h.streamMsgs(StreamDLQ) == 1 })
	list, _ := h.eng.DLQ().List(context.Background(), 0, 10)
	if len(list) != 1 || list[0].Reason != events.ReasonLoop {
		t.Fatalf("dead letters = %+v, want one with reason loop", list)
	}
	// hops 0..4 are routed (5 invocations); the event with hop 5 is refused.
	if n := rec.len(); n != 5 {
		t.Errorf("%d invocations, want 5 (hop limit 4)", n)
	}
}

func TestLongInvocationIsNotRedelivered(t *testing.T) {
	var rec recorder
	release := make(chan struct{})
	b := install(t, "slow", func(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
		rec.add(inv)
		select {
		case <-release:
		case <-ctx.Done():
			return functions.Result{}, ctx.Err()
		}
		return functions.Result{}, nil
	})
	h := startEngine(t, `
functions:
  slow: { type: testfn, behaviour: "`+b+`" }
rules:
  - name: r
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: slow } ]
`, func(o *Options) { o.AckWait = time.Second })
	h.publish(pushEvent(t, "e-1", "app", "main"))
	testwait.For(t, 10*time.Second, "invocation start", func() bool { return rec.len() == 1 })
	// Hold the invocation for several ack waits: in-progress acks keep it.
	// Observe the consumer: nothing may be redelivered meanwhile.
	cons, err := h.eng.JetStream().Consumer(context.Background(), StreamInvocations, consumerName("slow"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3500 * time.Millisecond)
	for time.Now().Before(deadline) {
		info, err := cons.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.NumRedelivered > 0 || rec.len() > 1 {
			t.Fatalf("invocation was redelivered while it ran (redelivered %d, calls %d)", info.NumRedelivered, rec.len())
		}
		time.Sleep(50 * time.Millisecond) // observation interval
	}
	close(release)
	testwait.For(t, 10*time.Second, "work queue empty", func() bool { return h.streamMsgs(StreamInvocations) == 0 })
	if rec.len() != 1 {
		t.Errorf("%d calls, want 1", rec.len())
	}
}

func TestConcurrencyLimit(t *testing.T) {
	var running, peak, calls atomic.Int32
	b := install(t, "busy", func(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		calls.Add(1)
		// Stay busy long enough that the invoker could start more if it
		// ignored the limit.
		select {
		case <-time.After(30 * time.Millisecond):
		case <-ctx.Done():
		}
		return functions.Result{}, nil
	})
	h := startEngine(t, `
functions:
  busy: { type: testfn, behaviour: "`+b+`", concurrency: 2 }
rules:
  - name: r
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: busy } ]
`, nil)
	for i := 0; i < 12; i++ {
		h.publish(pushEvent(t, fmt.Sprintf("e-%d", i), "app", "main"))
	}
	testwait.For(t, 20*time.Second, "all invocations", func() bool { return calls.Load() == 12 })
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("peak concurrency %d, want at most 2", p)
	}
}

// TestGracefulShutdownFinishesInFlight: an invocation running when the
// engine stops is allowed to finish, from the work queue and inline alike.
func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	for _, inline := range []bool{false, true} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			started := make(chan struct{})
			var finished atomic.Bool
			b := install(t, "work", func(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
				close(started)
				select {
				case <-time.After(300 * time.Millisecond):
					finished.Store(true)
					return functions.Result{}, nil
				case <-ctx.Done():
					return functions.Result{}, ctx.Err()
				}
			})
			h := startEngine(t, fmt.Sprintf(`
functions:
  work: { type: testfn, behaviour: "%s", inline: %v }
rules:
  - name: r
    match: event.type == "dev.codebridge.repository.referenceUpdated"
    targets: [ { function: work } ]
`, b, inline), nil)
			h.publish(pushEvent(t, "e-1", "app", "main"))
			<-started
			h.stop()
			if !finished.Load() {
				t.Error("shutdown did not let the in-flight invocation finish")
			}
		})
	}
}
