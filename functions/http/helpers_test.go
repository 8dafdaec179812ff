package http_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/functions"
	_ "github.com/codebridge/codebridge/functions/http"
)

// yamlDecode decodes src the way the engine decodes a function's block.
func yamlDecode(src string) func(any) error {
	return func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(src))
		dec.KnownFields(true)
		if err := dec.Decode(v); !errors.Is(err, io.EOF) {
			return err
		}
		return nil
	}
}

func tryBuild(src string, secrets ...string) (functions.Function, error) {
	spec, err := functions.Lookup("http")
	if err != nil {
		return nil, err
	}
	return spec.New("test-http", yamlDecode(src), functions.Deps{Logger: zerolog.Nop(), Secrets: secrets})
}

// build builds an http function through the registry and closes it when the
// test ends.
func build(t testing.TB, src string, secrets ...string) functions.Function {
	t.Helper()
	fn, err := tryBuild(src, secrets...)
	if err != nil {
		t.Fatalf("build http function: %v", err)
	}
	t.Cleanup(func() { _ = fn.(functions.Closer).Close() })
	return fn
}

// request is what the endpoint received.
type request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// endpoint is a real HTTP server that records requests and answers with
// reply.
type endpoint struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newEndpoint(t testing.TB, reply http.HandlerFunc) *endpoint {
	t.Helper()
	ep := &endpoint{}
	ep.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("endpoint: read body: %v", err)
		}
		ep.mu.Lock()
		ep.reqs = append(ep.reqs, request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		ep.mu.Unlock()
		reply(w, r)
	}))
	t.Cleanup(ep.Close)
	return ep
}

func (ep *endpoint) requests() []request {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return append([]request(nil), ep.reqs...)
}

func invoke(t *testing.T, fn functions.Function, inv functions.Invocation) (functions.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return fn.Invoke(ctx, inv)
}

// reply returns the content of a testdata reply file.
func replyFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "functions", "http", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
