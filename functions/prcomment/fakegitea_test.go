package prcomment_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGitea is Gitea's (and Forgejo's) REST API v1 reduced to the endpoints
// prcomment uses. Shapes follow Gitea's swagger annotations and structs
// (routers/api/v1/repo/issue_comment.go, status.go; modules/structs/
// issue_comment.go, status.go):
//
//   - GET .../issues/{index}/comments answers every comment at once with
//     X-Total-Count (that endpoint takes no page or limit); with paged set,
//     the fake pages like Gitea's other list endpoints (page, limit, Link) to
//     stand for a proxy or fork that pages;
//   - 201 on create with the comment (id, html_url, pull_request_url,
//     issue_url, user, original_author, original_author_id, body, assets,
//     created_at, updated_at); 200 on edit;
//   - a commit status answers {id, status, target_url, description, url,
//     context, creator, created_at, updated_at};
//   - errors are {"message", "url"} (404 adds "errors"); a bad token gets 401
//     "invalid username, password or token".
type fakeGitea struct {
	t     *testing.T
	srv   *httptest.Server
	token string
	rec   recorder
	paged int // page size when the fake pages; 0: Gitea's one answer

	mu       sync.Mutex
	nextID   int64
	comments []*ghComment // same record as the GitHub fake
}

const gtToken = "gitea_tok_0123456789abcdef0123456789abcd"

func newFakeGitea(t *testing.T) *fakeGitea {
	t.Helper()
	f := &fakeGitea{t: t, token: gtToken, nextID: 5000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/repos/{owner}/{repo}/issues/{index}/comments", f.listComments)
	mux.HandleFunc("POST /api/v1/repos/{owner}/{repo}/issues/{index}/comments", f.createComment)
	mux.HandleFunc("PATCH /api/v1/repos/{owner}/{repo}/issues/comments/{id}", f.editComment)
	mux.HandleFunc("POST /api/v1/repos/{owner}/{repo}/statuses/{sha}", f.createStatus)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { f.notFound(w) })
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c := f.rec.record(t, req)
		if req.Header.Get("Authorization") != "token "+f.token {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "invalid username, password or token", "url": f.srv.URL + "/api/swagger"})
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

func (f *fakeGitea) seed(issue, n int, body func(i int) string) []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]int64, n)
	for i := range n {
		ids[i] = f.addLocked(issue, body(i), "user"+strconv.Itoa(i%5))
	}
	return ids
}

func (f *fakeGitea) addLocked(issue int, body, user string) int64 {
	f.nextID++
	at := ghEpoch.Add(time.Duration(f.nextID) * time.Minute)
	f.comments = append(f.comments, &ghComment{ID: f.nextID, Issue: issue, Body: body, User: user, Created: at, Updated: at})
	return f.nextID
}

func (f *fakeGitea) issueComments(issue int) []ghComment {
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

func (f *fakeGitea) notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{"errors": []string{"repository does not exist"}, "message": "The target couldn't be found.", "url": f.srv.URL + "/api/swagger"})
}

func (f *fakeGitea) repoOK(w http.ResponseWriter, req *http.Request) bool {
	if req.PathValue("owner") != ghOwner || req.PathValue("repo") != ghRepo {
		f.notFound(w)
		return false
	}
	return true
}

func (f *fakeGitea) commentJSON(c ghComment) map[string]any {
	web := fmt.Sprintf("%s/%s/%s", f.srv.URL, ghOwner, ghRepo)
	return map[string]any{
		"id":                 c.ID,
		"html_url":           fmt.Sprintf("%s/pulls/%d#issuecomment-%d", web, c.Issue, c.ID),
		"pull_request_url":   fmt.Sprintf("%s/pulls/%d", web, c.Issue),
		"issue_url":          "",
		"user":               map[string]any{"id": 3, "login": c.User, "full_name": "", "email": c.User + "@noreply.gitea.example"},
		"original_author":    "",
		"original_author_id": 0,
		"body":               c.Body,
		"assets":             []any{},
		"created_at":         c.Created.Format(time.RFC3339),
		"updated_at":         c.Updated.Format(time.RFC3339),
	}
}

func (f *fakeGitea) listComments(w http.ResponseWriter, req *http.Request) {
	index, err := strconv.Atoi(req.PathValue("index"))
	if !f.repoOK(w, req) {
		return
	}
	if err != nil || index != ghPR {
		f.notFound(w)
		return
	}
	all := f.issueComments(index)
	w.Header().Set("X-Total-Count", strconv.Itoa(len(all)))
	w.Header().Set("Access-Control-Expose-Headers", "X-Total-Count, Link")
	if f.paged > 0 {
		page, limit := 1, f.paged
		if v, err := strconv.Atoi(req.URL.Query().Get("page")); err == nil && v > 0 {
			page = v
		}
		if v, err := strconv.Atoi(req.URL.Query().Get("limit")); err == nil && v > 0 {
			limit = v
		}
		last := max(1, (len(all)+limit-1)/limit)
		if page < last {
			u := fmt.Sprintf("%s%s", f.srv.URL, req.URL.Path)
			w.Header().Set("Link", fmt.Sprintf(`<%s?limit=%d&page=%d>; rel="next",<%s?limit=%d&page=%d>; rel="last"`, u, limit, page+1, u, limit, last))
		}
		from, to := min(len(all), (page-1)*limit), min(len(all), page*limit)
		all = all[from:to]
	}
	out := []map[string]any{}
	for _, c := range all {
		out = append(out, f.commentJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *fakeGitea) createComment(w http.ResponseWriter, req *http.Request) {
	index, err := strconv.Atoi(req.PathValue("index"))
	if !f.repoOK(w, req) {
		return
	}
	if err != nil || index != ghPR {
		f.notFound(w)
		return
	}
	body, _ := decodeBody(req)["body"].(string)
	if body == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "[Body]: Required", "url": f.srv.URL + "/api/swagger"})
		return
	}
	f.mu.Lock()
	f.addLocked(index, body, ghBotUser)
	c := *f.comments[len(f.comments)-1]
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, f.commentJSON(c))
}

func (f *fakeGitea) editComment(w http.ResponseWriter, req *http.Request) {
	id, err := strconv.ParseInt(req.PathValue("id"), 10, 64)
	if !f.repoOK(w, req) {
		return
	}
	body, _ := decodeBody(req)["body"].(string)
	f.mu.Lock()
	var found *ghComment
	for _, c := range f.comments {
		if err == nil && c.ID == id {
			found = c
		}
	}
	var c ghComment
	if found != nil {
		found.Body = body
		found.Updated = found.Updated.Add(time.Second)
		c = *found
	}
	f.mu.Unlock()
	if found == nil {
		f.notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, f.commentJSON(c))
}

func (f *fakeGitea) createStatus(w http.ResponseWriter, req *http.Request) {
	if !f.repoOK(w, req) {
		return
	}
	sha := req.PathValue("sha")
	in := decodeBody(req)
	state, _ := in["state"].(string)
	if !strings.Contains(" pending success error failure warning ", " "+state+" ") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "invalid state " + state, "url": f.srv.URL + "/api/swagger"})
		return
	}
	f.mu.Lock()
	f.nextID++
	id := f.nextID
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"id":          id,
		"status":      state,
		"target_url":  in["target_url"],
		"description": in["description"],
		"url":         fmt.Sprintf("%s/api/v1/repos/%s/%s/statuses/%s", f.srv.URL, ghOwner, ghRepo, sha),
		"context":     in["context"],
		"creator":     map[string]any{"id": 3, "login": ghBotUser},
		"created_at":  ghEpoch.Format(time.RFC3339),
		"updated_at":  ghEpoch.Format(time.RFC3339),
	})
}
