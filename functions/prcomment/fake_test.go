package prcomment_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// What both fake hosts share: a request log and queued faults.

// call is one request a fake host received.
type call struct {
	Method string
	Path   string
	Query  string // url.Values.Encode order
	Header http.Header
	Body   map[string]any
}

func (c call) String() string {
	s := c.Method + " " + c.Path
	if c.Query != "" {
		s += "?" + c.Query
	}
	return s
}

// fault replaces the answer to the next request that matches method and path
// suffix. With afterStore the request is served first (the comment is
// stored) and then the fault is answered: the reply that got lost.
type fault struct {
	method     string
	pathSuffix string
	status     int
	header     map[string]string
	body       string
	afterStore bool
}

type recorder struct {
	mu     sync.Mutex
	calls  []call
	faults []fault
}

func (r *recorder) record(t *testing.T, req *http.Request) call {
	t.Helper()
	c := call{Method: req.Method, Path: req.URL.Path, Query: req.URL.Query().Encode(), Header: req.Header.Clone()}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		t.Errorf("fake host: read body: %v", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	if len(b) > 0 {
		if err := json.Unmarshal(b, &c.Body); err != nil {
			t.Errorf("fake host: %s %s: body is not a JSON object: %v: %s", req.Method, req.URL.Path, err, b)
		}
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	return c
}

// fail queues a fault.
func (r *recorder) fail(f fault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults = append(r.faults, f)
}

// takeFault removes and returns the first fault matching c.
func (r *recorder) takeFault(c call) (fault, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, f := range r.faults {
		if f.method == c.Method && strings.HasSuffix(c.Path, f.pathSuffix) {
			r.faults = append(r.faults[:i], r.faults[i+1:]...)
			return f, true
		}
	}
	return fault{}, false
}

// Calls returns the requests so far as "METHOD path?query" and forgets them.
func (r *recorder) takeCalls() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

func callStrings(cs []call) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}

// serveFault answers with f, after serving the request when f.afterStore.
func serveFault(w http.ResponseWriter, req *http.Request, f fault, next http.Handler) {
	if f.afterStore {
		next.ServeHTTP(httptest.NewRecorder(), req)
	}
	for k, v := range f.header {
		w.Header().Set(k, v)
	}
	if strings.HasPrefix(strings.TrimSpace(f.body), "{") {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "text/html")
	}
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func requireCalls(t *testing.T, got []call, want ...string) {
	t.Helper()
	if g := callStrings(got); !equalStrings(g, want) {
		t.Fatalf("requests:\n got  %q\n want %q", g, want)
	}
}

// decodeBody reads a request's JSON object body (nil when there is none).
func decodeBody(req *http.Request) map[string]any {
	var m map[string]any
	_ = json.NewDecoder(req.Body).Decode(&m)
	return m
}
