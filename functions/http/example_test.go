package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	_ "github.com/codebridge/codebridge/functions/http"
)

// The endpoint receives the event in binary mode and answers with an event of
// its own (here in binary mode too), which the function emits.
func Example() {
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("received", r.Header.Get("Ce-Type"), "for", r.Header.Get("Ce-Subject"))
		w.Header().Set("Ce-Specversion", "1.0")
		w.Header().Set("Ce-Id", "deploy-1")
		w.Header().Set("Ce-Source", "https://deploy.example")
		w.Header().Set("Ce-Type", "com.example.deploy.started")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"environment":"staging"}`)
	}))
	defer endpoint.Close()

	config := "url: " + endpoint.URL + "/hooks\ntimeout: 10s\n"
	spec, err := functions.Lookup("http")
	if err != nil {
		panic(err)
	}
	fn, err := spec.New("deploy-hook", func(v any) error { return yaml.Unmarshal([]byte(config), v) }, functions.Deps{})
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
		fmt.Println("emitted", out.Type(), string(out.Data()))
	}
	// Output:
	// received com.example.pushed for refs/heads/main
	// emitted com.example.deploy.started {"environment":"staging"}
}
