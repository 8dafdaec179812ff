package replicate

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/functionstest"
	"github.com/codebridge/codebridge/internal/natstest"
)

// onSource adapts the suite's invocations, whose sample event names no
// repository, to this function: the event becomes a reference event of a
// real source repository (id, attempt and input are kept). before runs
// first, under a lock, for a harness that pushes a change per call.
func onSource(t *testing.T, f *Function, src string, before func()) functions.Function {
	var mu sync.Mutex
	return functions.Func(func(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
		mu.Lock()
		if before != nil {
			before()
		}
		mu.Unlock()
		ev := refEvent(t, src, "main", "0000000000000000000000000000000000000001")
		ev.SetID(inv.Event.ID())
		inv.Event = ev
		return f.Invoke(ctx, inv)
	})
}

// conformanceSource is a source with one commit and a file:// target.
func conformanceSource(t *testing.T) (rs *repoSet, c Config) {
	dir := t.TempDir()
	rs = &repoSet{dir: dir, src: filepath.Join(dir, "src.git"), work: filepath.Join(dir, "work"), fileDst: filepath.Join(dir, "dst.git")}
	for _, p := range []string{rs.src, rs.fileDst} {
		git(t, dir, "init", "--quiet", "--bare", p)
	}
	git(t, dir, "init", "--quiet", "-b", "main", rs.work)
	git(t, rs.work, "remote", "add", "origin", rs.src)
	rs.commit(t, "main")
	return rs, Config{Targets: []Target{{URL: rs.fileURL(), Name: "file"}}}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	functionstest.Run(t, functionstest.Harness{
		Succeeding: func(t *testing.T) functionstest.Target {
			js := natstest.Start(t).JS
			rs, c := conformanceSource(t)
			f, _ := newTestFunction(t, "mirror", c, js)
			return functionstest.Target{Function: onSource(t, f, rs.src, nil)}
		},
		Retryable: func(t *testing.T) functionstest.Target {
			js := natstest.Start(t).JS
			rs, _ := conformanceSource(t)
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := l.Addr().(*net.TCPAddr).Port
			_ = l.Close() // nothing listens there now: connection refused
			c := Config{Targets: []Target{{URL: fmt.Sprintf("git://127.0.0.1:%d/app.git", port)}}}
			f, _ := newTestFunction(t, "mirror", c, js)
			return functionstest.Target{Function: onSource(t, f, rs.src, nil)}
		},
		Permanent: func(t *testing.T) functionstest.Target {
			// The suite's event has no repository.cloneURL.
			js := natstest.Start(t).JS
			_, c := conformanceSource(t)
			f, _ := newTestFunction(t, "mirror", c, js)
			return functionstest.Target{Function: f}
		},
		Blocking: func(t *testing.T) functionstest.Target {
			js := natstest.Start(t).JS
			rs, c := conformanceSource(t)
			g := installGate(t, rs.fileDst)
			f, _ := newTestFunction(t, "mirror", c, js)
			return functionstest.Target{Function: onSource(t, f, rs.src, nil), Started: g.started}
		},
		Emitting: func(t *testing.T) functionstest.Target {
			js := natstest.Start(t).JS
			rs, c := conformanceSource(t)
			f, _ := newTestFunction(t, "mirror", c, js)
			return functionstest.Target{Function: onSource(t, f, rs.src, func() { rs.commit(t, "main") })}
		},
	})
}

// TestEventsValidate checks the emitted events against the catalogue.
func TestEventsValidate(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	rs, c := conformanceSource(t)
	f, _ := newTestFunction(t, "mirror", c, js)
	inv := invocation(refEvent(t, rs.src, "main", "abc"))
	inv.Context = map[string]any{"pr": 7}
	res, err := invoke(t, f, inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 1 {
		t.Fatalf("%d events", len(res.Events))
	}
	e := res.Events[0]
	if err := events.Validate(e); err != nil {
		t.Fatal(err)
	}
	d := replicationData(t, e)
	if d.Context["pr"] != float64(7) || events.Context(e)["pr"] != float64(7) || events.Hops(e) != 1 {
		t.Errorf("context not carried: data %v, extension %v, hops %d", d.Context, events.Context(e), events.Hops(e))
	}
}
