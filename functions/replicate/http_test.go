package replicate

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/codebridge/codebridge/internal/natstest"
)

// TestStatusOverHTTP serves the function's routes and reads the status as
// `codebridge replicate status` would.
func TestStatusOverHTTP(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	rs, c := conformanceSource(t)
	f, _ := newTestFunction(t, "mirror", c, js)

	mux := http.NewServeMux()
	for _, r := range f.HTTPRoutes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(query string) []TargetStatus {
		t.Helper()
		resp, err := http.Get(srv.URL + "/api/replication" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var body struct {
			Targets []TargetStatus `json:"targets"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if body.Targets == nil {
			t.Fatal(`"targets" is missing or null`)
		}
		return body.Targets
	}

	if got := get(""); len(got) != 0 {
		t.Fatalf("before any replication: %+v", got)
	}
	if _, err := invoke(t, f, invocation(refEvent(t, rs.src, "main", "abc"))); err != nil {
		t.Fatal(err)
	}
	got := get("")
	if len(got) != 1 || got[0].Target != "file" || got[0].Function != "mirror" || !got[0].InSync() || got[0].LastSuccess.IsZero() {
		t.Fatalf("status %+v", got)
	}
	if got := get("?function=other"); len(got) != 0 {
		t.Errorf("filtered by another function: %+v", got)
	}
	for _, repo := range []string{rs.src, "file://" + rs.src} {
		if got := get("?repository=" + repo); len(got) != 1 {
			t.Errorf("filtered by repository %s: %+v", repo, got)
		}
	}
	if got := get("?repository=/elsewhere.git"); len(got) != 0 {
		t.Errorf("filtered by another repository: %+v", got)
	}
}
