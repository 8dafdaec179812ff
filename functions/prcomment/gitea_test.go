package prcomment_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/prcomment"
)

const (
	gtList   = "GET /api/v1/repos/octo/app/issues/42/comments"
	gtPost   = "POST /api/v1/repos/octo/app/issues/42/comments"
	gtStatus = "POST /api/v1/repos/octo/app/statuses/" + ghSHA
)

func TestGiteaCommentListsOnceThenPosts(t *testing.T) {
	f := newFakeGitea(t)
	f.seed(ghPR, 150, otherComment)
	c := giteaCommenter(t, f)

	res, err := c.Invoke(context.Background(), invocation(t, "inv-1", 1, `{"repository": "octo/app", "pullRequest": "42", "comment": "Build started"}`))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	calls := f.rec.takeCalls()
	requireCalls(t, calls, gtList, gtPost)
	want := "Build started\n\n<!-- codebridge:invocation inv-1 -->"
	if got := calls[1].Body; len(got) != 1 || got["body"] != want {
		t.Fatalf("POST body = %#v, want {body: %q}", got, want)
	}
	for _, c := range calls {
		for h, want := range map[string]string{
			"Authorization": "token " + gtToken,
			"Accept":        "application/json",
			"User-Agent":    prcomment.DefaultUserAgent,
		} {
			if got := c.Header.Get(h); got != want {
				t.Errorf("%s: header %s = %q, want %q", c, h, got, want)
			}
		}
	}
	if ct := calls[1].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("POST Content-Type = %q", ct)
	}
	stored := f.issueComments(ghPR)
	if len(stored) != 151 {
		t.Fatalf("%d comments, want 151", len(stored))
	}
	ns := notifications(t, res)
	wantURL := fmt.Sprintf("%s/octo/app/pulls/42#issuecomment-%d", f.srv.URL, stored[150].ID)
	if len(ns) != 1 || ns[0].Data.Channel != "gitea" || ns[0].Data.Target != "octo/app#42" || ns[0].Data.URL != wantURL {
		t.Fatalf("events = %+v, want url %s", ns, wantURL)
	}
}

func TestGiteaRetryAfterLostReplyDoesNotPostTwice(t *testing.T) {
	f := newFakeGitea(t)
	f.seed(ghPR, 150, otherComment)
	f.rec.fail(fault{method: "POST", pathSuffix: "/issues/42/comments", status: 502, body: "<html>502 Bad Gateway</html>", afterStore: true})
	c := giteaCommenter(t, f)
	input := `{"comment": "Build started"}`

	_, err := c.Invoke(context.Background(), invocation(t, "inv-retry", 1, input))
	if got := outcomeOf(err); err == nil || got != retryable {
		t.Fatalf("attempt 1: %v (%v), want a retryable error", err, got)
	}
	requireCalls(t, f.rec.takeCalls(), gtList, gtPost)

	res, err := c.Invoke(context.Background(), invocation(t, "inv-retry", 2, input))
	if err != nil {
		t.Fatalf("attempt 2: %v", err)
	}
	requireCalls(t, f.rec.takeCalls(), gtList)
	stored := f.issueComments(ghPR)
	if len(stored) != 151 {
		t.Fatalf("%d comments, want 151", len(stored))
	}
	if ns := notifications(t, res); len(ns) != 1 || !strings.HasSuffix(ns[0].Data.URL, "#issuecomment-"+strconv.FormatInt(stored[150].ID, 10)) {
		t.Fatalf("events = %+v", ns)
	}
}

func TestGiteaStickyEditsTheNewestOfItsKey(t *testing.T) {
	f := newFakeGitea(t)
	const mine = "<!-- codebridge:sticky key=validate-pr pr=42 -->"
	ids := f.seed(ghPR, 40, func(i int) string {
		switch i {
		case 5, 30:
			return mine + "\r\nold status\r\n" // stored with CRLF as the web editor would
		case 35:
			return "<!-- codebridge:sticky key=other pr=42 -->\nother"
		}
		return otherComment(i)
	})
	c := giteaCommenter(t, f)

	if _, err := c.Invoke(context.Background(), invocation(t, "inv-s", 1, `{"sticky": "passed"}`)); err != nil {
		t.Fatal(err)
	}
	calls := f.rec.takeCalls()
	requireCalls(t, calls, gtList, "PATCH /api/v1/repos/octo/app/issues/comments/"+strconv.FormatInt(ids[30], 10))
	if want := mine + "\npassed\n\n<!-- codebridge:invocation inv-s -->"; calls[1].Body["body"] != want {
		t.Fatalf("PATCH body = %q, want %q", calls[1].Body["body"], want)
	}
}

func TestGiteaStatus(t *testing.T) {
	f := newFakeGitea(t)
	c := giteaCommenter(t, f)
	res, err := c.Invoke(context.Background(), invocation(t, "inv-st", 1, `{"status": {"state": "failure", "context": "ci/tests", "description": "3 tests failed", "targetURL": "https://ci.example/b/9"}}`))
	if err != nil {
		t.Fatal(err)
	}
	calls := f.rec.takeCalls()
	requireCalls(t, calls, gtStatus)
	want := map[string]any{"state": "failure", "context": "ci/tests", "description": "3 tests failed", "target_url": "https://ci.example/b/9"}
	if fmt.Sprint(calls[0].Body) != fmt.Sprint(want) {
		t.Fatalf("status body = %v, want %v", calls[0].Body, want)
	}
	if ns := notifications(t, res); len(ns) != 1 || ns[0].Data.URL != f.srv.URL+"/api/v1/repos/octo/app/statuses/"+ghSHA {
		t.Fatalf("events = %+v", ns)
	}
}

// A host that pages the comment list anyway (a proxy, a fork) says so in a
// Link header; the function follows it with the same path and token.
func TestGiteaFollowsLinkPaging(t *testing.T) {
	f := newFakeGitea(t)
	f.paged = 50
	f.seed(ghPR, 120, otherComment)
	f.seed(ghPR, 1, func(int) string { return "done\n\n<!-- codebridge:invocation inv-paged -->" })
	c := giteaCommenter(t, f)

	if _, err := c.Invoke(context.Background(), invocation(t, "inv-paged", 1, `{"comment": "done"}`)); err != nil {
		t.Fatal(err)
	}
	requireCalls(t, f.rec.takeCalls(), gtList, gtList+"?limit=50&page=2", gtList+"?limit=50&page=3")
	if n := len(f.issueComments(ghPR)); n != 121 {
		t.Fatalf("%d comments, want 121: the comment on page 3 was not found", n)
	}
}

func TestGiteaErrors(t *testing.T) {
	reset := time.Now().Add(10 * time.Minute).Unix()
	later := time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name    string
		token   string
		input   string
		fault   *fault
		want    outcome
		wait    func(time.Duration) bool
		message string
	}{
		{name: "401", token: "wrong-token-123456", want: permanent, message: "401 Unauthorized: invalid username, password or token"},
		{name: "403", want: permanent, message: "403 Forbidden: user should have a permission",
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 403, body: `{"message": "user should have a permission to write to the target branch", "url": "https://gitea.example/api/swagger"}`}},
		{name: "404", input: `{"repository": "octo/gone", "commit": "` + ghSHA + `", "status": {"state": "success"}}`, want: permanent, message: "404 Not Found: The target couldn't be found. (repository does not exist)"},
		{name: "429 Retry-After seconds", want: retryAfter, message: "429 Too Many Requests",
			wait:  func(d time.Duration) bool { return d == 3*time.Second },
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 429, header: map[string]string{"Retry-After": "3"}, body: "slow down"}},
		{name: "503 Retry-After date", want: retryAfter, message: "503 Service Unavailable",
			wait:  func(d time.Duration) bool { return d > time.Minute && d <= 2*time.Minute },
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 503, header: map[string]string{"Retry-After": later}}},
		{name: "403 rate limit from a proxy", want: retryAfter, message: "403 Forbidden",
			wait:  func(d time.Duration) bool { return d > 5*time.Minute && d <= 10*time.Minute },
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 403, header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(reset, 10)}}},
		{name: "500", want: retryable, message: "500 Internal Server Error: CreateCommitStatus",
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 500, body: `{"message": "CreateCommitStatus", "url": "https://gitea.example/api/swagger"}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeGitea(t)
			if tc.fault != nil {
				f.rec.fail(*tc.fault)
			}
			token := f.token
			if tc.token != "" {
				token = tc.token
			}
			c := newCommenter(t, prcomment.Config{Provider: "gitea", Token: token, BaseURL: f.srv.URL + "/api/v1"})
			input := tc.input
			if input == "" {
				input = `{"status": {"state": "success"}}`
			}
			_, err := c.Invoke(context.Background(), invocation(t, "inv-err", 1, input))
			if err == nil {
				t.Fatal("want an error")
			}
			if got := outcomeOf(err); got != tc.want {
				t.Fatalf("%v is %v, want %v", err, got, tc.want)
			}
			if tc.wait != nil {
				if d, _ := functions.RetryDelay(err); !tc.wait(d) {
					t.Fatalf("retry delay %v not as the host asked", d)
				}
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("error %q does not carry %q", err, tc.message)
			}
			if he := hostError(t, err); he.Provider != "gitea" {
				t.Fatalf("provider = %q", he.Provider)
			}
			requireNoSecret(t, err, gtToken, token)
			requireCalls(t, f.rec.takeCalls(), callPath(tc.input))
		})
	}
}

// callPath is the status request an error case makes.
func callPath(input string) string {
	if strings.Contains(input, "octo/gone") {
		return "POST /api/v1/repos/octo/gone/statuses/" + ghSHA
	}
	return gtStatus
}

func TestForgejoIsGiteaWithItsOwnChannel(t *testing.T) {
	f := newFakeGitea(t)
	c := newCommenter(t, prcomment.Config{Provider: "forgejo", Token: f.token, BaseURL: f.srv.URL + "/"})
	res, err := c.Invoke(context.Background(), invocation(t, "inv-fj", 1, `{"status": {"state": "success"}}`))
	if err != nil {
		t.Fatal(err)
	}
	requireCalls(t, f.rec.takeCalls(), gtStatus)
	if ns := notifications(t, res); len(ns) != 1 || ns[0].Data.Channel != "forgejo" {
		t.Fatalf("events = %+v", ns)
	}
}
