package prcomment

import (
	"context"
	"time"
)

// host is one code host's REST API, reduced to what prcomment uses. Errors
// are already classified (functions.Permanent, functions.RetryAfter or plain)
// and wrap a *HostError.
type host interface {
	// listComments returns every comment of the pull request, all pages.
	listComments(ctx context.Context, r request) ([]comment, error)
	createComment(ctx context.Context, r request, body string) (comment, error)
	editComment(ctx context.Context, r request, id int64, body string) (comment, error)
	// createStatus sets a commit status and returns its URL.
	createStatus(ctx context.Context, r request, st Status) (string, error)
}

// comment is an issue comment as both hosts describe it.
type comment struct {
	ID        int64
	HTMLURL   string
	Body      string
	CreatedAt time.Time
}
