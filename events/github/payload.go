package github

import (
	"encoding/json"
	"strconv"

	"github.com/codebridge/codebridge/events"
)

// The parts of GitHub's payloads that the mapping reads. Fields GitHub sends
// with two types in different events (created_at, pushed_at: a string or
// Unix seconds) are read as raw JSON.

type user struct {
	Login string `json:"login"`
}

type repository struct {
	Name     string          `json:"name"`
	FullName string          `json:"full_name"`
	HTMLURL  string          `json:"html_url"`
	CloneURL string          `json:"clone_url"`
	PushedAt json.RawMessage `json:"pushed_at"`
}

func (r repository) catalogue() events.Repository {
	return events.Repository{Name: r.Name, FullName: r.FullName, CloneURL: r.CloneURL, Provider: "github"}
}

type pushEvent struct {
	Ref        string     `json:"ref"`
	Before     string     `json:"before"`
	After      string     `json:"after"`
	Forced     bool       `json:"forced"`
	Repository repository `json:"repository"`
	Pusher     struct {
		Name string `json:"name"`
	} `json:"pusher"`
	Sender user `json:"sender"`
}

type branch struct {
	Ref  string      `json:"ref"`
	SHA  string      `json:"sha"`
	Repo *repository `json:"repo"` // null when the fork was deleted
}

type pullRequest struct {
	Number    int64  `json:"number"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	State     string `json:"state"`
	Merged    bool   `json:"merged"`
	HTMLURL   string `json:"html_url"`
	User      user   `json:"user"`
	Head      branch `json:"head"`
	Base      branch `json:"base"`
	UpdatedAt string `json:"updated_at"`
	ClosedAt  string `json:"closed_at"`
	MergedAt  string `json:"merged_at"`
}

type review struct {
	State       string `json:"state"`
	User        user   `json:"user"`
	SubmittedAt string `json:"submitted_at"`
}

type pullRequestEvent struct {
	Action      string      `json:"action"`
	Number      int64       `json:"number"`
	PullRequest pullRequest `json:"pull_request"`
	Review      review      `json:"review"`
	Repository  repository  `json:"repository"`
	Sender      user        `json:"sender"`
}

type comment struct {
	ID        int64  `json:"id"`
	Body      string `json:"body"`
	User      user   `json:"user"`
	HTMLURL   string `json:"html_url"`
	CommitID  string `json:"commit_id"`
	CreatedAt string `json:"created_at"`
}

type issueCommentEvent struct {
	Action string `json:"action"`
	Issue  struct {
		Number int64 `json:"number"`
		// PullRequest is present only when the issue is a pull request.
		PullRequest *json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	Comment    comment    `json:"comment"`
	Repository repository `json:"repository"`
}

type commitCommentEvent struct {
	Action     string     `json:"action"`
	Comment    comment    `json:"comment"`
	Repository repository `json:"repository"`
}

func itoa(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
