package gitlab

import (
	"net/http"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/webhook"
)

// provider names the sender in Malformed errors.
const provider = "GitLab"

// Parse maps one delivery to catalogue events. The event id is the
// Idempotency-Key (the same on every retry), else X-Gitlab-Event-UUID, else
// a digest of the body; the source is the project's web URL; the subject the
// ref or the merge request iid.
func Parse(h http.Header, body []byte) ([]events.Event, error) {
	kind := h.Get(HeaderEvent)
	if kind == "" {
		return nil, webhook.Malformed("no %s header", HeaderEvent)
	}
	id := h.Get(HeaderIdempotencyKey)
	if id == "" {
		id = h.Get(HeaderEventUUID)
	}
	return webhook.Dispatch(provider, kind, id, body, handlers)
}

var handlers = webhook.Handlers{
	"Push Hook":          parsePush,
	"Tag Push Hook":      parsePush,
	"Merge Request Hook": parseMergeRequest,
	"Note Hook":          parseNote,
}

func parsePush(b *webhook.Batch, body []byte) error {
	var p pushPayload
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	pusher := p.UserUsername
	if pusher == "" {
		pusher = p.UserName
	}
	// GitLab's push payload has no push time; the event has none either.
	return b.AddPush(webhook.Push{
		Repository: p.Project.catalogue(),
		Source:     p.Project.WebURL,
		Ref:        p.Ref,
		Before:     p.Before,
		After:      p.After,
		Pusher:     pusher,
	})
}

func parseMergeRequest(b *webhook.Batch, body []byte) error {
	var p mergeRequestPayload
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	mr := p.ObjectAttributes
	d := &events.PullRequestData{
		Repository:           p.Project.catalogue(),
		PullRequestID:        itoa(mr.IID),
		Title:                mr.Title,
		Description:          mr.Description,
		SourceReference:      webhook.BranchRef(mr.SourceBranch),
		DestinationReference: webhook.BranchRef(mr.TargetBranch),
		SourceCommit:         mr.LastCommit.ID,
		Status:               events.PullRequestOpen,
		IsMerged:             mr.State == "merged",
		URL:                  mr.URL,
		Fork:                 mr.SourceProjectID == 0 || mr.SourceProjectID != mr.TargetProjectID,
	}
	if mr.State != "opened" && mr.State != "" {
		d.Status = events.PullRequestClosed
	}
	var typ string
	switch mr.Action {
	case "open", "reopen":
		typ = events.PullRequestCreated
		// The payload names the author only by id; on "open" the user who
		// acted is the author.
		if mr.Action == "open" {
			d.Author = p.User.Username
		}
	case "update":
		// oldrev is present only when the source branch got new commits;
		// other updates (title, labels) map to nothing.
		if mr.Oldrev == "" {
			return webhook.Ignored("GitLab merge request update without new commits")
		}
		typ = events.PullRequestSourceBranchUpdated
	case "close":
		typ = events.PullRequestStatusChanged
	case "merge":
		typ = events.PullRequestMergeStatusUpdated
		d.IsMerged, d.Status = true, events.PullRequestClosed
	case "approved":
		typ, d.ApprovalState, d.Reviewer = events.PullRequestApprovalStateChanged, events.ApprovalApprove, p.User.Username
	case "unapproved":
		typ, d.ApprovalState, d.Reviewer = events.PullRequestApprovalStateChanged, events.ApprovalRevoke, p.User.Username
	default:
		return webhook.Ignored("GitLab merge request action %q", mr.Action)
	}
	b.Add(typ, p.Project.WebURL, d.PullRequestID, webhook.ParseTime(mr.UpdatedAt), d)
	return nil
}

func parseNote(b *webhook.Batch, body []byte) error {
	var p notePayload
	if err := webhook.Decode(provider, body, &p); err != nil {
		return err
	}
	n := p.ObjectAttributes
	// Before GitLab 16.11 notes had no action and every one was new.
	if n.Action != "create" && n.Action != "" {
		return webhook.Ignored("GitLab note action %q", n.Action)
	}
	if n.System {
		// "added 1 commit", "approved this merge request": GitLab's own notes.
		return webhook.Ignored("GitLab system note")
	}
	d := &events.CommentData{
		Repository: p.Project.catalogue(),
		CommentID:  itoa(n.ID),
		Body:       n.Note,
		Author:     p.User.Username,
		URL:        n.URL,
	}
	at := webhook.ParseTime(n.CreatedAt)
	switch n.NoteableType {
	case "Commit":
		d.CommitID = n.CommitID
		if d.CommitID == "" && p.Commit != nil {
			d.CommitID = p.Commit.ID
		}
		b.Add(events.CommentOnCommitCreated, p.Project.WebURL, d.CommitID, at, d)
	case "MergeRequest":
		if p.MergeRequest == nil {
			return webhook.Malformed("GitLab note on a merge request without merge_request")
		}
		d.PullRequestID = itoa(p.MergeRequest.IID)
		b.Add(events.CommentOnPullRequestCreated, p.Project.WebURL, d.PullRequestID, at, d)
	default:
		return webhook.Ignored("GitLab note on %q", n.NoteableType)
	}
	return nil
}
