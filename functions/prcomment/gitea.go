package prcomment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// giteaHost talks to Gitea or Forgejo's REST API v1 with plain net/http.
//
// Shapes (Gitea's routers/api/v1/repo/issue_comment.go and status.go,
// modules/structs/issue_comment.go and status.go):
//
//	GET   /repos/{owner}/{repo}/issues/{index}/comments   -> 200 [Comment], X-Total-Count; all comments, no paging
//	POST  /repos/{owner}/{repo}/issues/{index}/comments   {"body"} -> 201 Comment
//	PATCH /repos/{owner}/{repo}/issues/comments/{id}      {"body"} -> 200 Comment
//	POST  /repos/{owner}/{repo}/statuses/{sha}            {"state","target_url","description","context"} -> 201 CommitStatus
//
// Comment is {id, html_url, pull_request_url, issue_url, user, body,
// created_at, updated_at}; CommitStatus is {id, status, target_url,
// description, url, context, creator, created_at, updated_at}; an error is
// {"message", "url"}. Authentication is "Authorization: token <t>".
type giteaHost struct {
	provider string
	base     *url.URL // ends in /api/v1
	token    string
	ua       string
	hc       *http.Client
	mask     masker
	now      func() time.Time
}

var _ host = (*giteaHost)(nil)

const (
	maxResponse = 32 << 20 // a list of comments can be long
	maxError    = 64 << 10
	// maxPages guards against a server whose Link header never ends.
	maxPages = 1000
)

func newGitea(cfg Config, mask masker) (*giteaHost, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil {
		return nil, fieldError("baseURL", "is not a URL")
	}
	if !strings.HasSuffix(u.Path, "/api/v1") {
		u.Path += "/api/v1"
	}
	u.RawPath = ""
	return &giteaHost{
		provider: cfg.Provider,
		base:     u,
		token:    cfg.Token,
		ua:       cfg.UserAgent,
		hc:       &http.Client{Timeout: time.Duration(cfg.RequestTimeout), Transport: http.DefaultTransport.(*http.Transport).Clone()},
		mask:     mask,
		now:      time.Now,
	}, nil
}

type giteaComment struct {
	ID        int64     `json:"id"`
	HTMLURL   string    `json:"html_url"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

func (c giteaComment) comment() comment {
	return comment{ID: c.ID, HTMLURL: c.HTMLURL, Body: c.Body, CreatedAt: c.CreatedAt}
}

func (g *giteaHost) listComments(ctx context.Context, r request) ([]comment, error) {
	op := fmt.Sprintf("list comments of %s#%d", r.repo(), r.pr)
	var (
		out   []comment
		query url.Values
	)
	// Gitea and Forgejo answer with every comment at once. A server that
	// pages anyway (a proxy, a fork) says so in a Link header; only its page
	// and limit are taken, so the token never goes to another address.
	for range maxPages {
		var page []giteaComment
		h, err := g.do(ctx, op, http.MethodGet, query, nil, &page, "repos", r.owner, r.name, "issues", strconv.Itoa(r.pr), "comments")
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			out = append(out, c.comment())
		}
		next := nextPage(h.Get("Link"))
		if next == nil || len(page) == 0 || next.Get("page") == query.Get("page") {
			return out, nil
		}
		query = next
	}
	return nil, g.mask.hostError(g.provider, op, 0, "", fmt.Errorf("more than %d pages", maxPages))
}

func (g *giteaHost) createComment(ctx context.Context, r request, body string) (comment, error) {
	var c giteaComment
	_, err := g.do(ctx, fmt.Sprintf("post comment on %s#%d", r.repo(), r.pr), http.MethodPost, nil,
		map[string]string{"body": body}, &c, "repos", r.owner, r.name, "issues", strconv.Itoa(r.pr), "comments")
	return c.comment(), err
}

func (g *giteaHost) editComment(ctx context.Context, r request, id int64, body string) (comment, error) {
	var c giteaComment
	_, err := g.do(ctx, fmt.Sprintf("edit comment %d on %s#%d", id, r.repo(), r.pr), http.MethodPatch, nil,
		map[string]string{"body": body}, &c, "repos", r.owner, r.name, "issues", "comments", strconv.FormatInt(id, 10))
	return c.comment(), err
}

func (g *giteaHost) createStatus(ctx context.Context, r request, st Status) (string, error) {
	in := struct {
		State       string `json:"state"`
		TargetURL   string `json:"target_url,omitempty"`
		Description string `json:"description,omitempty"`
		Context     string `json:"context"`
	}{st.State, st.TargetURL, st.Description, st.Context}
	var out struct {
		URL       string `json:"url"`
		TargetURL string `json:"target_url"`
	}
	_, err := g.do(ctx, fmt.Sprintf("set status %q on %s@%s", st.Context, r.repo(), r.commit), http.MethodPost, nil,
		in, &out, "repos", r.owner, r.name, "statuses", r.commit)
	if err != nil {
		return "", err
	}
	return firstNonEmpty(out.URL, out.TargetURL, st.TargetURL), nil
}

// do sends one request to base/path... and decodes a 2xx answer into out.
func (g *giteaHost) do(ctx context.Context, op, method string, query url.Values, in, out any, path ...string) (http.Header, error) {
	u := g.base.JoinPath(path...)
	u.RawQuery = query.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, g.mask.hostError(g.provider, op, 0, "", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, g.mask.hostError(g.provider, op, 0, "", err)
	}
	req.Header.Set("Authorization", "token "+g.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", g.ua)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.hc.Do(req)
	if err != nil {
		return nil, classify(g.mask.hostError(g.provider, op, 0, "", err), nil, g.now())
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxError))
		return resp.Header, classify(g.mask.hostError(g.provider, op, resp.StatusCode, giteaMessage(msg), nil), resp.Header, g.now())
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(out); err != nil {
			return resp.Header, g.mask.hostError(g.provider, op, 0, "", fmt.Errorf("decode %d answer: %w", resp.StatusCode, err))
		}
	}
	return resp.Header, nil
}

// giteaMessage reads {"message": ...} from an error answer, or its text.
func giteaMessage(b []byte) string {
	var e struct {
		Message string   `json:"message"`
		Errors  []string `json:"errors"`
	}
	if json.Unmarshal(b, &e) == nil && e.Message != "" {
		if len(e.Errors) > 0 {
			return e.Message + " (" + strings.Join(e.Errors, "; ") + ")"
		}
		return e.Message
	}
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("<")) {
		return "" // an HTML error page says nothing the status does not
	}
	return string(b)
}

// nextPage reads the page and limit of the rel="next" link of an RFC 8288
// Link header, or nil.
func nextPage(link string) url.Values {
	for part := range strings.SplitSeq(link, ",") {
		target, params, ok := strings.Cut(part, ";")
		if !ok || !strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="next"`) {
			continue
		}
		u, err := url.Parse(strings.Trim(strings.TrimSpace(target), "<>"))
		if err != nil {
			return nil
		}
		q := u.Query()
		if _, err := strconv.Atoi(q.Get("page")); err != nil {
			return nil
		}
		next := url.Values{"page": {q.Get("page")}}
		if l := q.Get("limit"); l != "" {
			next.Set("limit", l)
		}
		return next
	}
	return nil
}
