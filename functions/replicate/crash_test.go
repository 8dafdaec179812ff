package replicate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/natstest"
	"github.com/codebridge/codebridge/internal/testwait"
)

// helperEnv carries a worker's set-up to TestHelperWorker in a child
// process.
const helperEnv = "CB_REPLICATE_HELPER_WORKER"

type helperSpec struct {
	NATSURL string          `json:"natsURL"`
	DataDir string          `json:"dataDir"`
	Config  Config          `json:"config"`
	Event   json.RawMessage `json:"event"`
	InvID   string          `json:"invID"`
	LockTTL time.Duration   `json:"lockTTL"`
}

// TestMain runs the worker process that TestWorkerKilledDuringPush starts
// and kills, when the environment says so, instead of the tests.
func TestMain(m *testing.M) {
	if raw := os.Getenv(helperEnv); raw != "" {
		if err := helperWorker(raw); err != nil {
			fmt.Fprintln(os.Stderr, "helper worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperWorker is the child process: one invocation of the function.
func helperWorker(raw string) error {
	var spec helperSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		return err
	}
	nc, err := nats.Connect(spec.NATSURL)
	if err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	f, err := newFunction("mirror", spec.Config, functions.Deps{Logger: zerolog.Nop(), DataDir: spec.DataDir, JetStream: js})
	if err != nil {
		return err
	}
	f.lockTTL = spec.LockTTL
	var e events.Event
	if err := json.Unmarshal(spec.Event, &e); err != nil {
		return err
	}
	_, err = f.Invoke(context.Background(), functions.Invocation{ID: spec.InvID, Attempt: 1, Event: e})
	fmt.Fprintf(os.Stderr, "invoke returned: %v\n", err)
	return nil
}

// TestWorkerKilledDuringPush kills a worker process (SIGKILL) while its push
// to a target is in progress, then "restarts" it: JetStream's redelivery of
// the same invocation waits out the dead worker's lock and brings every
// target to the source's state, including a push made after the crash.
func TestWorkerKilledDuringPush(t *testing.T) {
	t.Parallel()
	ns := natstest.Start(t)
	js, natsURL := ns.JS, ns.URL
	rs := newRepoSet(t)
	g := installGate(t, rs.fileDst)
	dataDir := t.TempDir()
	const ttl = 3 * time.Second

	ev := refEvent(t, rs.src, "main", rs.commit(t, "main"))
	evJSON, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := json.Marshal(helperSpec{NATSURL: natsURL, DataDir: dataDir, Config: rs.config(), Event: evJSON, InvID: "inv-crash", LockTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+string(spec))
	out := &logBuf{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	testwait.For(t, 30*time.Second, "the worker's push reaches the gated target", g.started)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// The killed worker's git push lives on in its own process group: make
	// its hook refuse, so it cannot land after the restarted worker's push.
	g.touch("abort")
	testwait.For(t, 10*time.Second, "the orphaned push is refused", func() bool { return g.exists("aborted") })
	g.release()

	// A push that the dead worker never saw.
	rs.commit(t, "main")

	// The restarted worker, same data directory, gets the invocation again.
	f, err := newFunction("mirror", rs.config(), functions.Deps{Logger: zerolog.Nop(), DataDir: dataDir, JetStream: js})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	f.lockTTL = ttl
	inv := invocation(ev)
	inv.ID, inv.Attempt = "inv-crash", 2
	if _, err := invoke(t, f, inv); err != nil {
		t.Fatalf("redelivered invocation: %v\nworker output:\n%s", err, out)
	}
	rs.converged(t)
}
