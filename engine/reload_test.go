package engine

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

func TestReloadSwapsRulesAndKeepsThemOnError(t *testing.T) {
	var a, b recorder
	ba := install(t, "a", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		a.add(inv)
		return functions.Result{}, nil
	})
	bb := install(t, "b", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		b.add(inv)
		return functions.Result{}, nil
	})
	base := `
functions:
  fa: { type: testfn, behaviour: "` + ba + `" }
rules:
  - name: to-a
    match: event.data.repository.name == "one"
    targets: [ { function: fa } ]
`
	h := startEngine(t, base, func(o *Options) { o.WatchConfig = true })
	h.publish(pushEvent(t, "e-1", "one", "main"))
	testwait.For(t, 10*time.Second, "first rule", func() bool { return a.len() == 1 })

	// A broken file is refused; the running rules stay.
	if err := os.WriteFile(h.path, []byte(base+"  - name: broken\n    match: event.type ==\n    targets: [ { function: fa } ]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("reload of a broken file: %v", err)
	}
	h.publish(pushEvent(t, "e-2", "one", "main"))
	testwait.For(t, 10*time.Second, "old rules still routing", func() bool { return a.len() == 2 })

	// A good file with a new function and rule is picked up by the file
	// watcher, without a call to Reload.
	next := strings.Replace(base, "rules:", "  fb: { type: testfn, behaviour: \""+bb+"\" }\nrules:", 1) + `  - name: to-b
    match: event.data.repository.name == "two"
    targets: [ { function: fb } ]
`
	if err := os.WriteFile(h.path, []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, 10*time.Second, "watcher reload", func() bool { return h.eng.rules.Load().Len() == 2 })
	h.publish(pushEvent(t, "e-3", "two", "main"))
	testwait.For(t, 10*time.Second, "new rule and function", func() bool { return b.len() == 1 })
}
