package prcomment

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions"
)

func TestMarkers(t *testing.T) {
	body := stickyBody("status", "my rule --> <b>", 42, "inv 1-->")
	if strings.Count(body, "-->") != 2 {
		t.Fatalf("input closed a marker early: %q", body)
	}
	for _, tc := range []struct {
		name string
		got  bool
		want bool
	}{
		{"sticky for its key and PR", isStickyFor(body, "my rule --> <b>", 42), true},
		{"not for another key", isStickyFor(body, "my rule", 42), false},
		{"not for another PR", isStickyFor(body, "my rule --> <b>", 4), false},
		{"sticky after leading blank lines", isSticky("\r\n  " + body), true},
		{"a quote is not sticky", isSticky("> " + body), false},
		{"a sticky comment is not a plain post", isPostedBy(body, "inv 1-->"), false},
		{"a plain post", isPostedBy(commentBody("hi", "inv-7"), "inv-7"), true},
		{"another invocation's post", isPostedBy(commentBody("hi", "inv-7"), "inv-70"), false},
		{"an id that is a prefix", isPostedBy(commentBody("hi", "inv-70"), "inv-7"), false},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v", tc.name, tc.got)
		}
	}
	if got := commentBody("hi\n\n", "a/b"); got != "hi\n\n<!-- codebridge:invocation a%2Fb -->" {
		t.Errorf("commentBody = %q", got)
	}
}

func TestRetryWait(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"seconds", map[string]string{"Retry-After": "120"}, 2 * time.Minute, true},
		{"zero seconds", map[string]string{"Retry-After": "0"}, time.Second, true},
		{"HTTP date", map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second, true},
		{"date in the past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, time.Second, true},
		{"rate-limit reset", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1740830700"}, 5 * time.Minute, true},
		{"reset without exhaustion", map[string]string{"X-RateLimit-Remaining": "10", "X-RateLimit-Reset": "1740830700"}, 0, false},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0, false},
		{"none", nil, 0, false},
	} {
		h := http.Header{}
		for k, v := range tc.header {
			h.Set(k, v)
		}
		got, ok := retryWait(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: retryWait = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNextPage(t *testing.T) {
	for _, tc := range []struct{ link, want string }{
		{`<https://g.example/api/v1/x?limit=50&page=2>; rel="next",<https://g.example/api/v1/x?limit=50&page=3>; rel="last"`, "limit=50&page=2"},
		{`<https://g.example/x?page=1>; rel="prev", <https://evil.example/x?page=4&limit=9&token=t>; rel="next"`, "limit=9&page=4"},
		{`<https://g.example/x?page=3>; rel="last"`, ""},
		{`<https://g.example/x?page=two>; rel="next"`, ""},
		{``, ""},
	} {
		var got string
		if q := nextPage(tc.link); q != nil {
			got = url.Values(q).Encode()
		}
		if got != tc.want {
			t.Errorf("nextPage(%q) = %q, want %q", tc.link, got, tc.want)
		}
	}
}

func TestPRNumber(t *testing.T) {
	for in, want := range map[string]int{`42`: 42, `"42"`: 42, `"#7"`: 7, `42.0`: 42, `null`: 0} {
		var n PRNumber
		if err := json.Unmarshal([]byte(in), &n); err != nil || int(n) != want {
			t.Errorf("%s: %v, %v; want %d", in, n, err, want)
		}
	}
	for _, in := range []string{`-1`, `0`, `"x"`, `1.5`, `true`, `99999999999`} {
		var n PRNumber
		if err := json.Unmarshal([]byte(in), &n); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}

func FuzzParseInput(f *testing.F) {
	f.Add(`{"repository": "o/r", "pullRequest": 1, "comment": "x", "status": {"state": "success"}, "commit": "abcdef0"}`)
	f.Add(`{"sticky": "s", "stickyKey": "k-->"}`)
	f.Add(`{"pullRequest": "12", "body": "b"}`)
	f.Fuzz(func(t *testing.T, in string) {
		inv := functions.Invocation{ID: "id", Rule: "r", Input: json.RawMessage(in)}
		r, err := parseInput(inv)
		if err != nil {
			return
		}
		if !repoPattern.MatchString(r.repo()) {
			t.Fatalf("accepted repository %q", r.repo())
		}
		if r.status != nil && !shaPattern.MatchString(r.commit) {
			t.Fatalf("accepted commit %q", r.commit)
		}
		if r.sticky != "" && strings.Count(stickyBody(r.sticky, r.stickyKey, r.pr, "id"), "<!-- codebridge:") != 2+strings.Count(r.sticky, "<!-- codebridge:") {
			t.Fatalf("markers broken for %q", in)
		}
	})
}
