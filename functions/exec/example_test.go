package exec_test

import (
	"context"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	_ "github.com/codebridge/codebridge/functions/exec"
)

// A program reads the event's attributes from CE_* variables (and the input
// on stdin) and emits an event by printing it as a JSON line. The program is
// started directly: the event's text reaches it as data, never as shell code.
func Example() {
	config := `
command:
  - /bin/sh
  - -c
  - |
    cat >/dev/null
    echo "audit of $CE_SUBJECT" >&2
    echo "{\"type\":\"com.example.audited\",\"source\":\"/audit\",\"subject\":\"$CE_SUBJECT\"}"
timeout: 10s
`
	spec, err := functions.Lookup("exec")
	if err != nil {
		panic(err)
	}
	fn, err := spec.New("audit", func(v any) error { return yaml.Unmarshal([]byte(config), v) }, functions.Deps{})
	if err != nil {
		panic(err)
	}
	e, err := events.New("com.example.pushed", "/repos/app", map[string]string{"ref": "refs/heads/main"},
		events.WithSubject("refs/heads/main"))
	if err != nil {
		panic(err)
	}
	res, err := fn.Invoke(context.Background(), functions.Invocation{ID: "inv-1", Attempt: 1, Event: e})
	if err != nil {
		panic(err)
	}
	for _, out := range res.Events {
		fmt.Println(out.Type(), out.Subject())
	}
	// Output:
	// com.example.audited refs/heads/main
}
