package gitea

import (
	"net/http"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/webhook"
)

// provider names the sender in Malformed errors.
const provider = "Gitea"

// Parse maps one delivery to catalogue events. The event id is the
// X-Gitea-Delivery (or X-Forgejo-Delivery) UUID, the source the repository's
// web URL, the subject the ref or the pull request number.
func Parse(h http.Header, body []byte) ([]events.Event, error) {
	// The -Type header names the precise event (pull_request_sync,
	// pull_request_review_approved); the plain header groups several under
	// one name (pull_request, pull_request_approved). Both are understood.
	kind := first(h, HeaderForgejoEventType, HeaderEventType, HeaderForgejoEvent, HeaderEvent)
	if kind == "" {
		return nil, webhook.Malformed("no %s or %s header", HeaderEvent, HeaderForgejoEvent)
	}
	return webhook.Dispatch(provider, kind, first(h, HeaderForgejoDelivery, HeaderDelivery), body, handlers)
}

var (
	approve = func(b *webhook.Batch, body []byte) error { return parseReview(b, body, events.ApprovalApprove) }
	revoke  = func(b *webhook.Batch, body []byte) error { return parseReview(b, body, events.ApprovalRevoke) }

	handlers = webhook.Handlers{
		"push":                         parsePush,
		"pull_request":                 parsePullRequest,
		"pull_request_sync":            parsePullRequest,
		"pull_request_review_approved": approve,
		"pull_request_approved":        approve,
		"pull_request_review_rejected": revoke,
		"pull_request_rejected":        revoke,
		"issue_comment":                parseComment,
		"pull_request_comment":         parseComment,
	}
)

func parsePush(b *webhook.Batch, body []byte) error {
	var p pushPayload
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	pusher := p.Pusher.name()
	if pusher == "" {
		pusher = p.Sender.name()
	}
	// A Gitea push payload carries no push time (only commit times, which
	// may be old), so the event has no time attribute.
	return b.AddPush(webhook.Push{
		Repository: p.Repository.catalogue(),
		Source:     p.Repository.webURL(),
		Ref:        p.Ref,
		Before:     p.Before,
		After:      p.After,
		Pusher:     pusher,
	})
}

func parsePullRequest(b *webhook.Batch, body []byte) error {
	var p pullRequestPayload
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	if p.PullRequest == nil {
		return webhook.Malformed("Gitea pull_request payload without pull_request")
	}
	pr := p.PullRequest
	var typ, at string
	switch p.Action {
	case "opened", "reopened":
		typ, at = events.PullRequestCreated, pr.UpdatedAt
	case "synchronized":
		typ, at = events.PullRequestSourceBranchUpdated, pr.UpdatedAt
	case "closed":
		if pr.Merged {
			typ, at = events.PullRequestMergeStatusUpdated, pr.MergedAt
		} else {
			typ, at = events.PullRequestStatusChanged, pr.ClosedAt
		}
	default:
		return webhook.Ignored("Gitea pull_request action %q", p.Action)
	}
	d := pullRequestData(p)
	b.Add(typ, p.Repository.webURL(), d.PullRequestID, webhook.ParseTime(at), d)
	return nil
}

func parseReview(b *webhook.Batch, body []byte, state string) error {
	var p pullRequestPayload
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	if p.PullRequest == nil {
		return webhook.Malformed("Gitea review payload without pull_request")
	}
	d := pullRequestData(p)
	d.ApprovalState = state
	d.Reviewer = p.Sender.name()
	b.Add(events.PullRequestApprovalStateChanged, p.Repository.webURL(), d.PullRequestID, webhook.ParseTime(p.PullRequest.UpdatedAt), d)
	return nil
}

func pullRequestData(p pullRequestPayload) *events.PullRequestData {
	pr := p.PullRequest
	number := p.Number
	if number == 0 {
		number = pr.Number
	}
	d := &events.PullRequestData{
		Repository:    p.Repository.catalogue(),
		PullRequestID: itoa(number),
		Title:         pr.Title,
		Description:   pr.Body,
		Author:        pr.User.name(),
		Status:        events.PullRequestOpen,
		IsMerged:      pr.Merged,
		URL:           pr.HTMLURL,
		Fork:          true,
	}
	if pr.State == "closed" {
		d.Status = events.PullRequestClosed
	}
	if pr.Head != nil {
		d.SourceReference, d.SourceCommit = webhook.BranchRef(pr.Head.Ref), pr.Head.SHA
	}
	if pr.Base != nil {
		d.DestinationReference, d.DestinationCommit = webhook.BranchRef(pr.Base.Ref), pr.Base.SHA
	}
	// Same repository on both sides: not a fork. Anything unknown counts as
	// a fork, whose code gets no secrets.
	if pr.Head != nil && pr.Base != nil {
		switch {
		case pr.Head.RepoID != 0 && pr.Base.RepoID != 0:
			d.Fork = pr.Head.RepoID != pr.Base.RepoID
		case pr.Head.Repo != nil && pr.Base.Repo != nil:
			d.Fork = pr.Head.Repo.FullName != pr.Base.Repo.FullName
		}
	}
	return d
}

func parseComment(b *webhook.Batch, body []byte) error {
	var p issueCommentPayload
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	if !p.IsPull {
		return webhook.Ignored("Gitea comment on an issue, not a pull request")
	}
	if p.Action != "created" {
		return webhook.Ignored("Gitea issue_comment action %q", p.Action)
	}
	if p.Issue == nil || p.Comment == nil {
		return webhook.Malformed("Gitea issue_comment payload without issue or comment")
	}
	d := &events.CommentData{
		Repository:    p.Repository.catalogue(),
		CommentID:     itoa(p.Comment.ID),
		Body:          p.Comment.Body,
		Author:        p.Comment.User.name(),
		PullRequestID: itoa(p.Issue.Number),
		URL:           p.Comment.HTMLURL,
	}
	b.Add(events.CommentOnPullRequestCreated, p.Repository.webURL(), d.PullRequestID, webhook.ParseTime(p.Comment.CreatedAt), d)
	return nil
}
