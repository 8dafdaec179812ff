package prcomment_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/prcomment"
)

const (
	ghList1  = "GET /api/v3/repos/octo/app/issues/42/comments?per_page=100"
	ghList2  = "GET /api/v3/repos/octo/app/issues/42/comments?page=2&per_page=100"
	ghPost   = "POST /api/v3/repos/octo/app/issues/42/comments"
	ghStatus = "POST /api/v3/repos/octo/app/statuses/" + ghSHA
)

func otherComment(i int) string { return fmt.Sprintf("LGTM %d", i) }

func TestGitHubCommentReadsEveryPageThenPosts(t *testing.T) {
	f := newFakeGitHub(t)
	f.seed(ghPR, 150, otherComment)
	c := githubCommenter(t, f)

	res, err := c.Invoke(context.Background(), invocation(t, "inv-1", 1, `{"repository": "octo/app", "pullRequest": 42, "comment": "Build started for `+ghSHA+`"}`))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	calls := f.rec.takeCalls()
	requireCalls(t, calls, ghList1, ghList2, ghPost)

	wantBody := "Build started for " + ghSHA + "\n\n<!-- codebridge:invocation inv-1 -->"
	if got := calls[2].Body; len(got) != 1 || got["body"] != wantBody {
		t.Fatalf("POST body = %#v, want {body: %q}", got, wantBody)
	}
	for _, c := range calls {
		for h, want := range map[string]string{
			"Authorization":        "Bearer " + ghToken,
			"User-Agent":           prcomment.DefaultUserAgent,
			"X-Github-Api-Version": "2022-11-28",
		} {
			if got := c.Header.Get(h); got != want {
				t.Errorf("%s: header %s = %q, want %q", c, h, got, want)
			}
		}
	}
	// go-github asks for the reactions preview on lists, v3 JSON elsewhere.
	if a := calls[0].Header.Get("Accept"); a != "application/vnd.github.squirrel-girl-preview" {
		t.Errorf("list Accept = %q", a)
	}
	if a := calls[2].Header.Get("Accept"); a != "application/vnd.github.v3+json" {
		t.Errorf("POST Accept = %q", a)
	}
	if ct := calls[2].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("POST Content-Type = %q", ct)
	}

	stored := f.issueComments(ghPR)
	if len(stored) != 151 {
		t.Fatalf("issue has %d comments, want 151", len(stored))
	}
	posted := stored[150]
	ns := notifications(t, res)
	if len(ns) != 1 {
		t.Fatalf("emitted %d events, want 1", len(ns))
	}
	n := ns[0]
	wantURL := fmt.Sprintf("https://github.example/octo/app/pull/42#issuecomment-%d", posted.ID)
	if n.Data.Channel != "github" || n.Data.Target != "octo/app#42" || n.Data.URL != wantURL {
		t.Errorf("event data = %+v, want channel github, target octo/app#42, url %s", n.Data, wantURL)
	}
	if n.ID != "inv-1/comment" || n.Subject != "42" || n.Cause != "evt-1" || n.Hops != 3 || n.Context != `{"pr":42}` {
		t.Errorf("event attributes = %+v", n)
	}
	if n.Data.TriggerEventID != "evt-1" || n.Data.Context["pr"] != float64(42) {
		t.Errorf("event cause in data = %q %v", n.Data.TriggerEventID, n.Data.Context)
	}
}

// The host stores the comment and then answers 502: the retry must find the
// comment by its invocation marker and not post again.
func TestGitHubRetryAfterLostReplyDoesNotPostTwice(t *testing.T) {
	f := newFakeGitHub(t)
	f.seed(ghPR, 150, otherComment)
	f.rec.fail(fault{method: "POST", pathSuffix: "/issues/42/comments", status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>", afterStore: true})
	c := githubCommenter(t, f)
	input := `{"comment": "Build started"}`

	_, err := c.Invoke(context.Background(), invocation(t, "inv-retry", 1, input))
	if err == nil {
		t.Fatal("attempt 1: want an error for the 502")
	}
	if got := outcomeOf(err); got != retryable {
		t.Fatalf("attempt 1: %v is %v, want retryable", err, got)
	}
	if he := hostError(t, err); he.Status != 502 || he.Provider != "github" {
		t.Fatalf("attempt 1: host error = %+v", he)
	}
	requireCalls(t, f.rec.takeCalls(), ghList1, ghList2, ghPost)
	if n := len(f.issueComments(ghPR)); n != 151 {
		t.Fatalf("after attempt 1: %d comments, want 151 (the host stored it)", n)
	}

	res, err := c.Invoke(context.Background(), invocation(t, "inv-retry", 2, input))
	if err != nil {
		t.Fatalf("attempt 2: %v", err)
	}
	requireCalls(t, f.rec.takeCalls(), ghList1, ghList2)
	stored := f.issueComments(ghPR)
	if len(stored) != 151 {
		t.Fatalf("after attempt 2: %d comments, want 151", len(stored))
	}
	ns := notifications(t, res)
	if len(ns) != 1 || !strings.HasSuffix(ns[0].Data.URL, "#issuecomment-"+strconv.FormatInt(stored[150].ID, 10)) {
		t.Fatalf("attempt 2 events = %+v, want the stored comment's URL", ns)
	}

	// Control: another invocation is a new comment.
	if _, err := c.Invoke(context.Background(), invocation(t, "inv-other", 1, input)); err != nil {
		t.Fatal(err)
	}
	requireCalls(t, f.rec.takeCalls(), ghList1, ghList2, ghPost)
	if n := len(f.issueComments(ghPR)); n != 152 {
		t.Fatalf("another invocation: %d comments, want 152", n)
	}
}

func TestGitHubStickyEditsTheNewestOfItsKey(t *testing.T) {
	f := newFakeGitHub(t)
	const mine = "<!-- codebridge:sticky key=validate-pr pr=42 -->"
	ids := f.seed(ghPR, 150, func(i int) string {
		switch i {
		case 10, 130:
			return mine + "\nold status " + strconv.Itoa(i) + "\n\n<!-- codebridge:invocation old-" + strconv.Itoa(i) + " -->"
		case 60:
			return "<!-- codebridge:sticky key=deploy pr=42 -->\ndeploy status"
		case 140:
			return "<!-- codebridge:sticky key=validate-pr pr=41 -->\nanother PR's status"
		case 145:
			return "> " + mine + "\n> old status\n\nwhy did it fail?"
		}
		return otherComment(i)
	})
	before := f.issueComments(ghPR)
	c := githubCommenter(t, f)
	input := `{"sticky": "**Build #7**: passed"}`

	res, err := c.Invoke(context.Background(), invocation(t, "inv-s1", 1, input))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	calls := f.rec.takeCalls()
	patch := "PATCH /api/v3/repos/octo/app/issues/comments/" + strconv.FormatInt(ids[130], 10)
	requireCalls(t, calls, ghList1, ghList2, patch)
	want := mine + "\n**Build #7**: passed\n\n<!-- codebridge:invocation inv-s1 -->"
	if got := calls[2].Body; len(got) != 1 || got["body"] != want {
		t.Fatalf("PATCH body = %#v, want {body: %q}", got, want)
	}
	after := f.issueComments(ghPR)
	for i := range after {
		if i != 130 && after[i].Body != before[i].Body {
			t.Errorf("comment %d changed: %q", i, after[i].Body)
		}
	}
	ns := notifications(t, res)
	if len(ns) != 1 || ns[0].ID != "inv-s1/sticky" || !strings.HasSuffix(ns[0].Data.URL, "#issuecomment-"+strconv.FormatInt(ids[130], 10)) {
		t.Fatalf("events = %+v", ns)
	}

	// A retry of the same invocation finds the body already written.
	if _, err := c.Invoke(context.Background(), invocation(t, "inv-s1", 2, input)); err != nil {
		t.Fatal(err)
	}
	requireCalls(t, f.rec.takeCalls(), ghList1, ghList2)
}

func TestGitHubStickyIsCreatedOnceThenEdited(t *testing.T) {
	f := newFakeGitHub(t)
	c := githubCommenter(t, f)

	if _, err := c.Invoke(context.Background(), invocation(t, "push-1", 1, `{"sticky": "pending", "stickyKey": "ci status"}`)); err != nil {
		t.Fatal(err)
	}
	calls := f.rec.takeCalls()
	requireCalls(t, calls, ghList1, ghPost)
	want := "<!-- codebridge:sticky key=ci+status pr=42 -->\npending\n\n<!-- codebridge:invocation push-1 -->"
	if calls[1].Body["body"] != want {
		t.Fatalf("POST body = %q, want %q", calls[1].Body["body"], want)
	}

	if _, err := c.Invoke(context.Background(), invocation(t, "push-2", 1, `{"sticky": "passed", "stickyKey": "ci status"}`)); err != nil {
		t.Fatal(err)
	}
	stored := f.issueComments(ghPR)
	if len(stored) != 1 {
		t.Fatalf("%d comments, want the one sticky comment", len(stored))
	}
	requireCalls(t, f.rec.takeCalls(), ghList1, "PATCH /api/v3/repos/octo/app/issues/comments/"+strconv.FormatInt(stored[0].ID, 10))
	if want := "<!-- codebridge:sticky key=ci+status pr=42 -->\npassed\n\n<!-- codebridge:invocation push-2 -->"; stored[0].Body != want {
		t.Fatalf("sticky body = %q, want %q", stored[0].Body, want)
	}
}

func TestGitHubStatus(t *testing.T) {
	f := newFakeGitHub(t)
	c := githubCommenter(t, f)
	long := strings.Repeat("é", 150)

	res, err := c.Invoke(context.Background(), invocation(t, "inv-st", 1, `{"repository": "octo/app", "commit": "`+ghSHA+`",
		"status": {"state": "SUCCESS", "context": "codebridge/ci", "description": "`+long+`", "targetURL": "https://ci.example/builds/7"}}`))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	calls := f.rec.takeCalls()
	requireCalls(t, calls, ghStatus)
	wantDesc := strings.Repeat("é", 139) + "…"
	want := map[string]any{"state": "success", "context": "codebridge/ci", "description": wantDesc, "target_url": "https://ci.example/builds/7"}
	if fmt.Sprint(calls[0].Body) != fmt.Sprint(want) {
		t.Fatalf("status body = %v\nwant %v", calls[0].Body, want)
	}
	ns := notifications(t, res)
	if len(ns) != 1 {
		t.Fatalf("%d events", len(ns))
	}
	if ns[0].Data.URL != f.srv.URL+"/api/v3/repos/octo/app/statuses/"+ghSHA || ns[0].Data.Target != "octo/app#42" || ns[0].ID != "inv-st/status" {
		t.Fatalf("event = %+v", ns[0])
	}
}

// With no repository in the input, a pull request event supplies the
// repository, number and head commit; the three actions run in order, and a
// retry re-sets only the status.
func TestGitHubAllActionsFromThePullRequestEvent(t *testing.T) {
	f := newFakeGitHub(t)
	c := githubCommenter(t, f)
	input := `{"comment": "thanks!", "sticky": "building", "status": {"state": "pending"}}`

	res, err := c.Invoke(context.Background(), invocation(t, "inv-all", 1, input))
	if err != nil {
		t.Fatal(err)
	}
	calls := f.rec.takeCalls()
	requireCalls(t, calls, ghList1, ghPost, ghPost, ghStatus)
	if want := map[string]any{"state": "pending", "context": "codebridge/" + rule}; fmt.Sprint(calls[3].Body) != fmt.Sprint(want) {
		t.Fatalf("status body = %v, want %v", calls[3].Body, want)
	}
	var kinds []string
	for _, n := range notifications(t, res) {
		kinds = append(kinds, n.ID)
	}
	if strings.Join(kinds, ",") != "inv-all/comment,inv-all/sticky,inv-all/status" {
		t.Fatalf("events = %v", kinds)
	}

	if _, err := c.Invoke(context.Background(), invocation(t, "inv-all", 2, input)); err != nil {
		t.Fatal(err)
	}
	requireCalls(t, f.rec.takeCalls(), ghList1, ghStatus)
	if n := len(f.issueComments(ghPR)); n != 2 {
		t.Fatalf("%d comments, want 2 (comment and sticky)", n)
	}
}

func TestGitHubErrors(t *testing.T) {
	reset := time.Now().Add(time.Hour).Unix()
	statusInput := `{"commit": "` + ghSHA + `", "status": {"state": "success"}}`
	for _, tc := range []struct {
		name    string
		token   string // default: the right one
		input   string // default: statusInput
		fault   *fault
		want    outcome
		wait    func(time.Duration) bool
		message string
	}{
		{name: "401 bad credentials", token: "ghp_wrongTokenValue999", want: permanent, message: "401 Unauthorized: Bad credentials"},
		{name: "403 not a rate limit", want: permanent, message: "403 Forbidden: Resource not accessible by integration",
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 403, body: `{"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/commits/statuses#create-a-commit-status", "status": "403"}`}},
		{name: "404 repository", input: `{"repository": "octo/missing", "commit": "` + ghSHA + `", "status": {"state": "success"}}`, want: permanent, message: "404 Not Found: Not Found"},
		{name: "422 unknown commit", input: `{"commit": "abcdef1", "status": {"state": "success"}}`, want: permanent, message: "No commit found for SHA: abcdef1"},
		{name: "403 primary rate limit", want: retryAfter, message: "API rate limit exceeded",
			wait:  func(d time.Duration) bool { return d > 50*time.Minute && d <= time.Hour },
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 403, header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(reset, 10)}, body: `{"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#primary-rate-limit"}`}},
		{name: "403 secondary rate limit", want: retryAfter, message: "secondary rate limit",
			wait:  func(d time.Duration) bool { return d == 60*time.Second },
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 403, header: map[string]string{"Retry-After": "60"}, body: `{"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}},
		{name: "429 Retry-After", want: retryAfter, message: "429 Too Many Requests",
			wait:  func(d time.Duration) bool { return d == 7*time.Second },
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 429, header: map[string]string{"Retry-After": "7"}, body: `{"message": "Too many requests"}`}},
		{name: "502", want: retryable, message: "502 Bad Gateway",
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 502, body: "<html>bad gateway</html>"}},
		{name: "503 Retry-After", want: retryAfter, message: "503 Service Unavailable",
			wait:  func(d time.Duration) bool { return d == 5*time.Second },
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 503, header: map[string]string{"Retry-After": "5"}, body: `{"message": "Service unavailable"}`}},
		{name: "revoked token echoed by the host", want: permanent, message: "token *** was revoked",
			fault: &fault{method: "POST", pathSuffix: "/statuses/" + ghSHA, status: 401, body: `{"message": "token ` + ghToken + ` was revoked"}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			if tc.fault != nil {
				f.rec.fail(*tc.fault)
			}
			token := f.token
			if tc.token != "" {
				token = tc.token
			}
			c := newCommenter(t, prcomment.Config{Provider: "github", Token: token, BaseURL: f.srv.URL})
			input := tc.input
			if input == "" {
				input = statusInput
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
			hostError(t, err)
			requireNoSecret(t, err, ghToken, token)
			t.Log(err)
			if n := len(f.rec.takeCalls()); n != 1 {
				t.Fatalf("%d requests, want 1", n)
			}
		})
	}
}

// After a primary rate limit, go-github refuses requests until the reset
// without sending them; the function still asks for a retry at the reset.
func TestGitHubRateLimitHoldsLaterInvocations(t *testing.T) {
	f := newFakeGitHub(t)
	reset := time.Now().Add(30 * time.Minute).Unix()
	f.rec.fail(fault{method: "GET", pathSuffix: "/issues/42/comments", status: 403,
		header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(reset, 10)},
		body:   `{"message": "API rate limit exceeded for user ID 1."}`})
	c := githubCommenter(t, f)
	for attempt := 1; attempt <= 2; attempt++ {
		_, err := c.Invoke(context.Background(), invocation(t, "inv-rl", attempt, `{"comment": "hi"}`))
		d, ok := functions.RetryDelay(err)
		if !ok || d <= 20*time.Minute || d > 30*time.Minute {
			t.Fatalf("attempt %d: %v, want a retry at the reset", attempt, err)
		}
	}
	requireCalls(t, f.rec.takeCalls(), ghList1)
}

func TestGitHubEnterpriseBaseURLs(t *testing.T) {
	f := newFakeGitHub(t)
	for _, base := range []string{f.srv.URL, f.srv.URL + "/", f.srv.URL + "/api/v3", f.srv.URL + "/api/v3/"} {
		c := newCommenter(t, prcomment.Config{Provider: "github", Token: f.token, BaseURL: base})
		if _, err := c.Invoke(context.Background(), invocation(t, "inv-"+base, 1, `{"status": {"state": "error"}}`)); err != nil {
			t.Fatalf("baseURL %s: %v", base, err)
		}
		requireCalls(t, f.rec.takeCalls(), ghStatus)
	}
}
