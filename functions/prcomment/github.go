package prcomment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v84/github"
)

// githubHost talks to GitHub or GitHub Enterprise Server through go-github,
// which handles authentication, Link-header pagination and the rate-limit
// headers.
type githubHost struct {
	c    *github.Client
	mask masker
	now  func() time.Time
}

var _ host = (*githubHost)(nil)

// perPage is GitHub's largest page size for issue comments.
const perPage = 100

func newGitHub(cfg Config, mask masker) (*githubHost, error) {
	hc := &http.Client{Timeout: time.Duration(cfg.RequestTimeout), Transport: http.DefaultTransport.(*http.Transport).Clone()}
	c := github.NewClient(hc).WithAuthToken(cfg.Token)
	// WithEnterpriseURLs adds /api/v3/ for an Enterprise Server host and
	// leaves api.github.com (and other api.* hosts) as they are.
	c, err := c.WithEnterpriseURLs(cfg.BaseURL, cfg.BaseURL)
	if err != nil {
		return nil, fieldError("baseURL", "is not a URL: "+mask.mask(err.Error()))
	}
	c.UserAgent = cfg.UserAgent
	return &githubHost{c: c, mask: mask, now: time.Now}, nil
}

func (g *githubHost) listComments(ctx context.Context, r request) ([]comment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: perPage}}
	var out []comment
	for {
		page, resp, err := g.c.Issues.ListComments(ctx, r.owner, r.name, r.pr, opts)
		if err != nil {
			return nil, g.error(fmt.Sprintf("list comments of %s#%d", r.repo(), r.pr), err)
		}
		for _, c := range page {
			out = append(out, fromGitHub(c))
		}
		if resp.NextPage == 0 || resp.NextPage == opts.Page {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

func (g *githubHost) createComment(ctx context.Context, r request, body string) (comment, error) {
	c, _, err := g.c.Issues.CreateComment(ctx, r.owner, r.name, r.pr, &github.IssueComment{Body: &body})
	if err != nil {
		return comment{}, g.error(fmt.Sprintf("post comment on %s#%d", r.repo(), r.pr), err)
	}
	return fromGitHub(c), nil
}

func (g *githubHost) editComment(ctx context.Context, r request, id int64, body string) (comment, error) {
	c, _, err := g.c.Issues.EditComment(ctx, r.owner, r.name, id, &github.IssueComment{Body: &body})
	if err != nil {
		return comment{}, g.error(fmt.Sprintf("edit comment %d on %s#%d", id, r.repo(), r.pr), err)
	}
	return fromGitHub(c), nil
}

func (g *githubHost) createStatus(ctx context.Context, r request, st Status) (string, error) {
	s := github.RepoStatus{State: &st.State, Context: &st.Context}
	if st.Description != "" {
		s.Description = &st.Description
	}
	if st.TargetURL != "" {
		s.TargetURL = &st.TargetURL
	}
	out, _, err := g.c.Repositories.CreateStatus(ctx, r.owner, r.name, r.commit, s)
	if err != nil {
		return "", g.error(fmt.Sprintf("set status %q on %s@%s", st.Context, r.repo(), r.commit), err)
	}
	return firstNonEmpty(out.GetURL(), st.TargetURL), nil
}

func fromGitHub(c *github.IssueComment) comment {
	return comment{ID: c.GetID(), HTMLURL: c.GetHTMLURL(), Body: c.GetBody(), CreatedAt: c.GetCreatedAt().Time}
}

// error maps go-github's error types onto HostError and classifies it.
func (g *githubHost) error(op string, err error) error {
	var (
		rle *github.RateLimitError
		are *github.AbuseRateLimitError
		ere *github.ErrorResponse
	)
	switch {
	case errors.As(err, &rle):
		// Primary rate limit (403 or 429 with X-RateLimit-Remaining: 0), also
		// when go-github refuses a request before sending it because the
		// last answer said the limit is used up.
		he := g.mask.hostError(ProviderGitHub, op, statusOf(rle.Response, http.StatusForbidden), rle.Message, nil)
		return retryAt(he, rle.Rate.Reset.Time, g.now())
	case errors.As(err, &are):
		he := g.mask.hostError(ProviderGitHub, op, statusOf(are.Response, http.StatusForbidden), are.Message, nil)
		wait := are.GetRetryAfter()
		if wait <= 0 {
			wait = defaultSecondaryWait
		}
		return retryAfter(he, wait)
	case errors.As(err, &ere):
		he := g.mask.hostError(ProviderGitHub, op, statusOf(ere.Response, 0), githubMessage(ere), nil)
		var h http.Header
		if ere.Response != nil {
			h = ere.Response.Header
		}
		return classify(he, h, g.now())
	default:
		return classify(g.mask.hostError(ProviderGitHub, op, 0, "", err), nil, g.now())
	}
}

// githubMessage is the host's message with the details of a 422.
func githubMessage(e *github.ErrorResponse) string {
	msg := e.Message
	var details []string
	for _, d := range e.Errors {
		switch {
		case d.Message != "":
			details = append(details, d.Message)
		case d.Field != "" || d.Code != "":
			details = append(details, strings.TrimSpace(d.Field+" "+d.Code))
		}
	}
	if len(details) > 0 {
		msg += " (" + strings.Join(details, "; ") + ")"
	}
	return msg
}

func statusOf(r *http.Response, def int) int {
	if r == nil {
		return def
	}
	return r.StatusCode
}
