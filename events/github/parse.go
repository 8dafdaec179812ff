package github

import (
	"net/http"
	"strings"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/webhook"
)

// provider names the sender in Malformed errors.
const provider = "GitHub"

// Parse maps one delivery to catalogue events. The event id is the
// X-GitHub-Delivery GUID, the source the repository's web URL, the subject
// the ref or the pull request number. A ping returns webhook.ErrPing; an
// event or action with no catalogue counterpart returns webhook.ErrIgnored; a
// body that is not the announced payload returns webhook.ErrMalformed.
func Parse(h http.Header, body []byte) ([]events.Event, error) {
	kind := h.Get(HeaderEvent)
	if kind == "" {
		return nil, webhook.Malformed("no %s header", HeaderEvent)
	}
	return webhook.Dispatch(provider, kind, h.Get(HeaderDelivery), body, handlers)
}

var handlers = webhook.Handlers{
	"push":                parsePush,
	"pull_request":        parsePullRequest,
	"pull_request_review": parseReview,
	"issue_comment":       parseIssueComment,
	"commit_comment":      parseCommitComment,
}

func parsePush(b *webhook.Batch, body []byte) error {
	var p pushEvent
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	pusher := p.Pusher.Name
	if pusher == "" {
		pusher = p.Sender.Login
	}
	return b.AddPush(webhook.Push{
		Repository: p.Repository.catalogue(),
		Source:     p.Repository.HTMLURL,
		Ref:        p.Ref,
		Before:     p.Before,
		After:      p.After,
		Pusher:     pusher,
		Forced:     p.Forced,
		// repository.pushed_at is the time of this push.
		Time: webhook.ParseTimeJSON(p.Repository.PushedAt),
	})
}

func parsePullRequest(b *webhook.Batch, body []byte) error {
	var p pullRequestEvent
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	pr := p.PullRequest
	var typ, at string
	switch p.Action {
	case "opened", "reopened":
		typ, at = events.PullRequestCreated, pr.UpdatedAt
	case "synchronize":
		typ, at = events.PullRequestSourceBranchUpdated, pr.UpdatedAt
	case "closed":
		if pr.Merged {
			typ, at = events.PullRequestMergeStatusUpdated, pr.MergedAt
		} else {
			typ, at = events.PullRequestStatusChanged, pr.ClosedAt
		}
	default:
		return webhook.Ignored("GitHub pull_request action %q", p.Action)
	}
	d := pullRequestData(p.Repository, pr, p.Number)
	b.Add(typ, p.Repository.HTMLURL, d.PullRequestID, webhook.ParseTime(at), d)
	return nil
}

func parseReview(b *webhook.Batch, body []byte) error {
	var p pullRequestEvent
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	if p.Action != "submitted" {
		return webhook.Ignored("GitHub pull_request_review action %q", p.Action)
	}
	d := pullRequestData(p.Repository, p.PullRequest, p.PullRequest.Number)
	// Webhooks spell review states in lower case, the REST API in upper.
	switch strings.ToLower(p.Review.State) {
	case "approved":
		d.ApprovalState = events.ApprovalApprove
	case "changes_requested":
		d.ApprovalState = events.ApprovalRevoke
	default:
		return webhook.Ignored("GitHub review state %q", p.Review.State)
	}
	d.Reviewer = p.Review.User.Login
	b.Add(events.PullRequestApprovalStateChanged, p.Repository.HTMLURL, d.PullRequestID, webhook.ParseTime(p.Review.SubmittedAt), d)
	return nil
}

func pullRequestData(repo repository, pr pullRequest, number int64) *events.PullRequestData {
	if number == 0 {
		number = pr.Number
	}
	status := events.PullRequestOpen
	if pr.State == "closed" {
		status = events.PullRequestClosed
	}
	return &events.PullRequestData{
		Repository:           repo.catalogue(),
		PullRequestID:        itoa(number),
		Title:                pr.Title,
		Description:          pr.Body,
		Author:               pr.User.Login,
		SourceReference:      webhook.BranchRef(pr.Head.Ref),
		DestinationReference: webhook.BranchRef(pr.Base.Ref),
		SourceCommit:         pr.Head.SHA,
		DestinationCommit:    pr.Base.SHA,
		Status:               status,
		IsMerged:             pr.Merged,
		URL:                  pr.HTMLURL,
		// A head repository that differs from the base, or that is gone
		// (a deleted fork), is a fork: its code is untrusted.
		Fork: pr.Head.Repo == nil || pr.Base.Repo == nil || pr.Head.Repo.FullName != pr.Base.Repo.FullName,
	}
}

func parseIssueComment(b *webhook.Batch, body []byte) error {
	var p issueCommentEvent
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	if p.Issue.PullRequest == nil {
		return webhook.Ignored("GitHub issue_comment on an issue, not a pull request")
	}
	if p.Action != "created" {
		return webhook.Ignored("GitHub issue_comment action %q", p.Action)
	}
	d := &events.CommentData{
		Repository:    p.Repository.catalogue(),
		CommentID:     itoa(p.Comment.ID),
		Body:          p.Comment.Body,
		Author:        p.Comment.User.Login,
		PullRequestID: itoa(p.Issue.Number),
		URL:           p.Comment.HTMLURL,
	}
	b.Add(events.CommentOnPullRequestCreated, p.Repository.HTMLURL, d.PullRequestID, webhook.ParseTime(p.Comment.CreatedAt), d)
	return nil
}

func parseCommitComment(b *webhook.Batch, body []byte) error {
	var p commitCommentEvent
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	// Early payloads had no action; every commit_comment was a creation.
	if p.Action != "created" && p.Action != "" {
		return webhook.Ignored("GitHub commit_comment action %q", p.Action)
	}
	d := &events.CommentData{
		Repository: p.Repository.catalogue(),
		CommentID:  itoa(p.Comment.ID),
		Body:       p.Comment.Body,
		Author:     p.Comment.User.Login,
		CommitID:   p.Comment.CommitID,
		URL:        p.Comment.HTMLURL,
	}
	b.Add(events.CommentOnCommitCreated, p.Repository.HTMLURL, d.CommitID, webhook.ParseTime(p.Comment.CreatedAt), d)
	return nil
}
