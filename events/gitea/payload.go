package gitea

import (
	"strconv"

	"github.com/codebridge/codebridge/events"
)

// The parts of Gitea's payloads (modules/structs) that the mapping reads.

type user struct {
	Login    string `json:"login"`
	UserName string `json:"username"`
}

func (u *user) name() string {
	if u == nil {
		return ""
	}
	if u.Login != "" {
		return u.Login
	}
	return u.UserName
}

type repository struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	HTMLURL  string `json:"html_url"`
	CloneURL string `json:"clone_url"`
}

func (r *repository) catalogue() events.Repository {
	if r == nil {
		return events.Repository{Provider: "gitea"}
	}
	return events.Repository{Name: r.Name, FullName: r.FullName, CloneURL: r.CloneURL, Provider: "gitea"}
}

func (r *repository) webURL() string {
	if r == nil {
		return ""
	}
	return r.HTMLURL
}

type pushPayload struct {
	Ref        string      `json:"ref"`
	Before     string      `json:"before"`
	After      string      `json:"after"`
	Repository *repository `json:"repository"`
	Pusher     *user       `json:"pusher"`
	Sender     *user       `json:"sender"`
}

type branchInfo struct {
	Ref    string      `json:"ref"`
	SHA    string      `json:"sha"`
	RepoID int64       `json:"repo_id"`
	Repo   *repository `json:"repo"`
}

type pullRequest struct {
	Number    int64       `json:"number"`
	User      *user       `json:"user"`
	Title     string      `json:"title"`
	Body      string      `json:"body"`
	State     string      `json:"state"`
	HTMLURL   string      `json:"html_url"`
	Merged    bool        `json:"merged"`
	MergedAt  string      `json:"merged_at"`
	Base      *branchInfo `json:"base"`
	Head      *branchInfo `json:"head"`
	UpdatedAt string      `json:"updated_at"`
	ClosedAt  string      `json:"closed_at"`
}

type pullRequestPayload struct {
	Action      string       `json:"action"`
	Number      int64        `json:"number"`
	PullRequest *pullRequest `json:"pull_request"`
	Repository  *repository  `json:"repository"`
	Sender      *user        `json:"sender"`
	Review      *struct {
		Type    string `json:"type"`
		Content string `json:"content"`
	} `json:"review"`
}

type issueCommentPayload struct {
	Action string `json:"action"`
	Issue  *struct {
		Number int64 `json:"number"`
	} `json:"issue"`
	Comment *struct {
		ID        int64  `json:"id"`
		HTMLURL   string `json:"html_url"`
		User      *user  `json:"user"`
		Body      string `json:"body"`
		CreatedAt string `json:"created_at"`
	} `json:"comment"`
	Repository *repository `json:"repository"`
	IsPull     bool        `json:"is_pull"`
}

func itoa(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
