package build

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/codebridge/codebridge/events"
)

// Source is what a build builds and why, taken from the triggering event.
// Every string here except CommitID may come from an untrusted webhook: it
// is only ever passed to commands as an environment variable.
type Source struct {
	Repository    events.Repository `json:"repository"`
	Event         string            `json:"event"`              // CODEBRIDGE_WEBHOOK_EVENT
	Trigger       string            `json:"trigger,omitempty"`  // branch/main, tag/v1, pr/12
	Branch        string            `json:"branch,omitempty"`   // for cache and badges
	HeadRef       string            `json:"headRef,omitempty"`  // refs/heads/feature
	BaseRef       string            `json:"baseRef,omitempty"`  // refs/heads/main (pull requests)
	CommitID      string            `json:"commitId,omitempty"` // resolved at checkout when empty
	PullRequestID string            `json:"pullRequestId,omitempty"`
	Title         string            `json:"title,omitempty"`
	Initiator     string            `json:"initiator,omitempty"`
	Fork          bool              `json:"fork,omitempty"`
}

// commitRe is what a commit id must look like before it reaches git.
var commitRe = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// webhookEvent names, as CodeBuild's CODEBUILD_WEBHOOK_EVENT.
var webhookEvent = map[string]string{
	events.ReferenceCreated:               "PUSH",
	events.ReferenceUpdated:               "PUSH",
	events.PullRequestCreated:             "PULL_REQUEST_CREATED",
	events.PullRequestSourceBranchUpdated: "PULL_REQUEST_UPDATED",
	events.PullRequestStatusChanged:       "PULL_REQUEST_STATUS_CHANGED",
	events.PullRequestMergeStatusUpdated:  "PULL_REQUEST_MERGED",
	events.CommentOnCommitCreated:         "COMMENT_ON_COMMIT",
	events.CommentOnPullRequestCreated:    "COMMENT_ON_PULL_REQUEST",
}

// sourceOf reads what to build from e; cfg supplies the repository and
// branch for events that are not about a repository.
func sourceOf(e events.Event, cfg Config) (Source, error) {
	typ := e.Type()
	if !events.IsRepositoryEvent(typ) {
		if cfg.Repository == "" {
			return Source{}, fmt.Errorf("%w: %s is not a repository event and the function has no repository configured", ErrNoSource, typ)
		}
		name := strings.TrimSuffix(cfg.Repository[strings.LastIndex(cfg.Repository, "/")+1:], ".git")
		return Source{
			Repository: events.Repository{Name: name, FullName: name, CloneURL: cfg.Repository, Provider: "git"},
			Event:      shortType(typ), Trigger: "branch/" + cfg.Branch, Branch: cfg.Branch,
			HeadRef: "refs/heads/" + cfg.Branch,
		}, nil
	}
	d, err := events.DecodeData(e)
	if err != nil {
		return Source{}, fmt.Errorf("%w: %v", ErrNoSource, err)
	}
	if err := d.Validate(); err != nil {
		return Source{}, fmt.Errorf("%w: %v", ErrNoSource, err)
	}
	s := Source{Event: webhookEvent[typ]}
	if s.Event == "" {
		s.Event = shortType(typ)
	}
	switch d := d.(type) {
	case *events.ReferenceData:
		if typ == events.ReferenceDeleted || d.CommitID == "" {
			return Source{}, fmt.Errorf("%w: the reference was deleted", ErrNoSource)
		}
		s.Repository, s.CommitID, s.HeadRef, s.Initiator = d.Repository, d.CommitID, d.ReferenceFullName, d.Pusher
		s.Trigger = d.ReferenceType + "/" + d.ReferenceName
		if d.ReferenceType == events.ReferenceTypeBranch {
			s.Branch = d.ReferenceName
		}
	case *events.PullRequestData:
		s.Repository, s.CommitID, s.PullRequestID = d.Repository, d.SourceCommit, d.PullRequestID
		s.HeadRef, s.BaseRef, s.Title, s.Initiator, s.Fork = d.SourceReference, d.DestinationReference, d.Title, d.Author, d.Fork
		s.Trigger = "pr/" + d.PullRequestID
		s.Branch = strings.TrimPrefix(d.SourceReference, "refs/heads/")
	case *events.CommentData:
		if d.CommitID == "" {
			return Source{}, fmt.Errorf("%w: the comment names no commit", ErrNoSource)
		}
		s.Repository, s.CommitID, s.PullRequestID, s.Initiator = d.Repository, d.CommitID, d.PullRequestID, d.Author
		if d.PullRequestID != "" {
			s.Trigger = "pr/" + d.PullRequestID
		}
	default:
		return Source{}, fmt.Errorf("%w: %s", ErrNoSource, typ)
	}
	s.CommitID = strings.ToLower(s.CommitID)
	if !commitRe.MatchString(s.CommitID) {
		return Source{}, fmt.Errorf("%w: commit id %q is not a hexadecimal object name", ErrNoSource, s.CommitID)
	}
	if strings.HasPrefix(s.Repository.CloneURL, "-") {
		return Source{}, fmt.Errorf("%w: repository.cloneURL %q", ErrNoSource, s.Repository.CloneURL)
	}
	return s, nil
}

func shortType(typ string) string { return typ[strings.LastIndex(typ, ".")+1:] }

// sourceVersion is CODEBRIDGE_SOURCE_VERSION: pr/<id> for pull requests,
// else the commit.
func (s Source) sourceVersion() string {
	if s.PullRequestID != "" {
		return "pr/" + s.PullRequestID
	}
	return s.CommitID
}

// supersedeKey names the line of builds a newer commit replaces: the pull
// request, else the branch; "" when there is neither.
func (s Source) supersedeKey() string {
	switch {
	case s.PullRequestID != "":
		return "pr." + s.PullRequestID
	case s.Branch != "":
		return "branch." + s.Branch
	}
	return ""
}
