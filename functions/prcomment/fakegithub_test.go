package prcomment_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGitHub is a GitHub Enterprise Server REST v3 API reduced to the
// endpoints prcomment uses. Shapes follow GitHub's REST docs
// (docs.github.com/rest/issues/comments, /rest/commits/statuses,
// /rest/using-the-rest-api/rate-limits-for-the-rest-api,
// /rest/using-the-rest-api/using-pagination-in-the-rest-api):
//
//   - paths under /api/v3 (Enterprise Server);
//   - comment lists in ascending id order, per_page (default 30, max 100) and
//     page, with a Link header (rel="next", "last", "first", "prev") whose
//     URLs use the /repositories/{id}/ form as GitHub's do;
//   - 201 on create with the comment (id, node_id, url, html_url, body, user,
//     created_at, updated_at, issue_url, author_association);
//   - X-RateLimit-* headers on every answer; errors as {"message",
//     "documentation_url", "status"}.
type fakeGitHub struct {
	t     *testing.T
	srv   *httptest.Server
	token string
	rec   recorder

	mu        sync.Mutex
	nextID    int64
	comments  []*ghComment
	statuses  []map[string]any
	remaining int
}

type ghComment struct {
	ID      int64
	Issue   int
	Body    string
	User    string
	Created time.Time
	Updated time.Time
}

const (
	ghOwner   = "octo"
	ghRepo    = "app"
	ghRepoID  = 1296269
	ghPR      = 42
	ghSHA     = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
	ghToken   = "ghp_s3cretTokenValue0123456789"
	ghBotUser = "codebridge-bot"
)

var ghEpoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func newFakeGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{t: t, token: ghToken, nextID: 1000, remaining: 5000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/repos/{owner}/{repo}/issues/{number}/comments", f.listComments)
	mux.HandleFunc("POST /api/v3/repos/{owner}/{repo}/issues/{number}/comments", f.createComment)
	mux.HandleFunc("PATCH /api/v3/repos/{owner}/{repo}/issues/comments/{id}", f.editComment)
	mux.HandleFunc("POST /api/v3/repos/{owner}/{repo}/statuses/{sha}", f.createStatus)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { f.notFound(w, "https://docs.github.com/rest") })
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c := f.rec.record(t, req)
		f.rateHeaders(w)
		if got := req.Header.Get("Authorization"); got != "Bearer "+f.token {
			writeJSON(w, http.StatusUnauthorized, map[string]string{
				"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401",
			})
			return
		}
		if ft, ok := f.rec.takeFault(c); ok {
			serveFault(w, req, ft, mux)
			return
		}
		mux.ServeHTTP(w, req)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// seed adds n comments by other users to issue, oldest first, and returns
// their ids.
func (f *fakeGitHub) seed(issue, n int, body func(i int) string) []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]int64, n)
	for i := range n {
		ids[i] = f.addLocked(issue, body(i), "user"+strconv.Itoa(i%7))
	}
	return ids
}

func (f *fakeGitHub) addLocked(issue int, body, user string) int64 {
	f.nextID++
	at := ghEpoch.Add(time.Duration(f.nextID) * time.Minute)
	f.comments = append(f.comments, &ghComment{ID: f.nextID, Issue: issue, Body: body, User: user, Created: at, Updated: at})
	return f.nextID
}

func (f *fakeGitHub) issueComments(issue int) []ghComment {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ghComment
	for _, c := range f.comments {
		if c.Issue == issue {
			out = append(out, *c)
		}
	}
	return out
}

func (f *fakeGitHub) comment(id int64) (ghComment, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.comments {
		if c.ID == id {
			return *c, true
		}
	}
	return ghComment{}, false
}

func (f *fakeGitHub) rateHeaders(w http.ResponseWriter) {
	f.mu.Lock()
	f.remaining--
	rem := f.remaining
	f.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(rem))
	h.Set("X-RateLimit-Used", strconv.Itoa(5000-rem))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
}

func (f *fakeGitHub) notFound(w http.ResponseWriter, doc string) {
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found", "documentation_url": doc, "status": "404"})
}

// issue checks the repository and issue number of a path.
func (f *fakeGitHub) issue(w http.ResponseWriter, req *http.Request, doc string) (int, bool) {
	n, err := strconv.Atoi(req.PathValue("number"))
	if req.PathValue("owner") != ghOwner || req.PathValue("repo") != ghRepo || err != nil || n != ghPR {
		f.notFound(w, doc)
		return 0, false
	}
	return n, true
}

func (f *fakeGitHub) commentJSON(c ghComment) map[string]any {
	api := f.srv.URL + "/api/v3/repos/" + ghOwner + "/" + ghRepo
	return map[string]any{
		"id":                 c.ID,
		"node_id":            fmt.Sprintf("IC_kwDOA%d", c.ID),
		"url":                api + "/issues/comments/" + strconv.FormatInt(c.ID, 10),
		"html_url":           fmt.Sprintf("https://github.example/%s/%s/pull/%d#issuecomment-%d", ghOwner, ghRepo, c.Issue, c.ID),
		"body":               c.Body,
		"user":               map[string]any{"login": c.User, "id": 583231, "type": "User", "site_admin": false},
		"created_at":         c.Created.Format(time.RFC3339),
		"updated_at":         c.Updated.Format(time.RFC3339),
		"issue_url":          api + "/issues/" + strconv.Itoa(c.Issue),
		"author_association": "COLLABORATOR",
	}
}

const ghCommentsDoc = "https://docs.github.com/rest/issues/comments#list-issue-comments"

func (f *fakeGitHub) listComments(w http.ResponseWriter, req *http.Request) {
	issue, ok := f.issue(w, req, ghCommentsDoc)
	if !ok {
		return
	}
	q := req.URL.Query()
	perPage, page := 30, 1
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	all := f.issueComments(issue)
	slices.SortFunc(all, func(a, b ghComment) int { return int(a.ID - b.ID) })
	last := max(1, (len(all)+perPage-1)/perPage)
	link := func(p int, rel string) string {
		return fmt.Sprintf(`<%s/api/v3/repositories/%d/issues/%d/comments?per_page=%d&page=%d>; rel="%s"`, f.srv.URL, ghRepoID, issue, perPage, p, rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	out := []map[string]any{}
	for i := (page - 1) * perPage; i < len(all) && i < page*perPage; i++ {
		out = append(out, f.commentJSON(all[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *fakeGitHub) createComment(w http.ResponseWriter, req *http.Request) {
	issue, ok := f.issue(w, req, "https://docs.github.com/rest/issues/comments#create-an-issue-comment")
	if !ok {
		return
	}
	body, ok := f.bodyField(w, req)
	if !ok {
		return
	}
	f.mu.Lock()
	id := f.addLocked(issue, body, ghBotUser)
	f.mu.Unlock()
	c, _ := f.comment(id)
	j := f.commentJSON(c)
	w.Header().Set("Location", j["url"].(string))
	writeJSON(w, http.StatusCreated, j)
}

func (f *fakeGitHub) editComment(w http.ResponseWriter, req *http.Request) {
	const doc = "https://docs.github.com/rest/issues/comments#update-an-issue-comment"
	id, err := strconv.ParseInt(req.PathValue("id"), 10, 64)
	if req.PathValue("owner") != ghOwner || req.PathValue("repo") != ghRepo || err != nil {
		f.notFound(w, doc)
		return
	}
	body, ok := f.bodyField(w, req)
	if !ok {
		return
	}
	f.mu.Lock()
	var found *ghComment
	for _, c := range f.comments {
		if c.ID == id {
			found = c
		}
	}
	if found != nil {
		found.Body = body
		found.Updated = found.Updated.Add(time.Second)
	}
	f.mu.Unlock()
	if found == nil {
		f.notFound(w, doc)
		return
	}
	c, _ := f.comment(id)
	writeJSON(w, http.StatusOK, f.commentJSON(c))
}

func (f *fakeGitHub) bodyField(w http.ResponseWriter, req *http.Request) (string, bool) {
	body, ok := decodeBody(req)["body"].(string)
	if !ok {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message":           "Invalid request.\n\n\"body\" wasn't supplied.",
			"documentation_url": "https://docs.github.com/rest/issues/comments",
			"status":            "422",
		})
		return "", false
	}
	return body, true
}

func (f *fakeGitHub) createStatus(w http.ResponseWriter, req *http.Request) {
	const doc = "https://docs.github.com/rest/commits/statuses#create-a-commit-status"
	if req.PathValue("owner") != ghOwner || req.PathValue("repo") != ghRepo {
		f.notFound(w, doc)
		return
	}
	sha := req.PathValue("sha")
	if sha != ghSHA {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "No commit found for SHA: " + sha, "documentation_url": doc, "status": "422"})
		return
	}
	in := decodeBody(req)
	state, _ := in["state"].(string)
	switch state {
	case "pending", "success", "failure", "error":
	default:
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed", "documentation_url": doc, "status": "422",
			"errors": []map[string]string{{"resource": "Status", "code": "custom", "field": "state", "message": "state is not included in the list"}},
		})
		return
	}
	if d, _ := in["description"].(string); len([]rune(d)) > 140 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed", "documentation_url": doc, "status": "422",
			"errors": []map[string]string{{"resource": "Status", "code": "custom", "field": "description", "message": "description is too long (maximum is 140 characters)"}},
		})
		return
	}
	ctxName, _ := in["context"].(string)
	if ctxName == "" {
		ctxName = "default"
	}
	f.mu.Lock()
	f.nextID++
	id := f.nextID
	out := map[string]any{
		"url":         f.srv.URL + "/api/v3/repos/" + ghOwner + "/" + ghRepo + "/statuses/" + sha,
		"avatar_url":  "https://github.example/images/error/hubot_happy.gif",
		"id":          id,
		"node_id":     fmt.Sprintf("SC_kwDOA%d", id),
		"state":       state,
		"description": in["description"],
		"target_url":  in["target_url"],
		"context":     ctxName,
		"created_at":  ghEpoch.Format(time.RFC3339),
		"updated_at":  ghEpoch.Format(time.RFC3339),
		"creator":     map[string]any{"login": ghBotUser, "id": 1, "type": "Bot"},
	}
	f.statuses = append(f.statuses, out)
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}
