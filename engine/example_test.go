package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/engine"
	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/rules"
)

// greeted receives what the example's function saw.
var greeted = make(chan string, 1)

func init() {
	// A function type of the example's own; built-ins register the same way.
	functions.Register(functions.Spec{
		Type:    "example-greeter",
		Summary: "prints who pushed",
		New: func(name string, decode func(any) error, deps functions.Deps) (functions.Function, error) {
			return functions.Func(func(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
				greeted <- fmt.Sprintf("%s got %s", inv.Rule, inv.Input)
				return functions.Result{}, nil
			}), nil
		},
	})
}

// Example runs an engine on an in-process NATS server with one rule, and
// publishes an event that the rule routes to a function.
func Example() {
	dir, _ := os.MkdirTemp("", "codebridge-example-")
	defer os.RemoveAll(dir)
	config := filepath.Join(dir, "codebridge.yaml")
	_ = os.WriteFile(config, []byte(`
nats: { listen: "" }   # in-process only
functions:
  greeter: { type: example-greeter }
rules:
  - name: greet-main
    match: event.type == "dev.codebridge.repository.referenceUpdated" && event.data.referenceName == "main"
    targets:
      - function: greeter
        input: '{"pusher": event.data.pusher}'
`), 0o600)
	cfg, err := rules.Load(config)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng, err := engine.New(ctx, engine.Options{Config: cfg, Logger: zerolog.Nop(), HTTPAddr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()

	push, _ := events.New(events.ReferenceUpdated, "https://git.example.com/acme/app", &events.ReferenceData{
		Repository:        events.Repository{Name: "app", CloneURL: "https://git.example.com/acme/app.git"},
		ReferenceFullName: "refs/heads/main", ReferenceName: "main", ReferenceType: events.ReferenceTypeBranch,
		CommitID: "2222222222222222222222222222222222222222", OldCommitID: "1111111111111111111111111111111111111111",
		Pusher: "ada",
	})
	if err := eng.Publish(ctx, push); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(<-greeted)
	cancel()
	<-done
	// Output: greet-main got {"pusher":"ada"}
}
