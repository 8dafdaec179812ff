package gitlab

import (
	"strconv"
	"strings"

	"github.com/codebridge/codebridge/events"
)

// The parts of GitLab's payloads that the mapping reads.

type user struct {
	Username string `json:"username"`
}

type project struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	WebURL            string `json:"web_url"`
	GitHTTPURL        string `json:"git_http_url"`
	HTTPURL           string `json:"http_url"`
	PathWithNamespace string `json:"path_with_namespace"`
}

func (p project) catalogue() events.Repository {
	clone := p.GitHTTPURL
	if clone == "" {
		clone = p.HTTPURL
	}
	// The repository name is the last path segment, as in the clone URL;
	// project.name is a display name that may contain spaces.
	name := p.PathWithNamespace
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if name == "" {
		name = p.Name
	}
	return events.Repository{Name: name, FullName: p.PathWithNamespace, CloneURL: clone, Provider: "gitlab"}
}

type pushPayload struct {
	Ref          string  `json:"ref"`
	Before       string  `json:"before"`
	After        string  `json:"after"`
	UserUsername string  `json:"user_username"`
	UserName     string  `json:"user_name"`
	Project      project `json:"project"`
}

type mergeRequest struct {
	IID             int64  `json:"iid"`
	Title           string `json:"title"`
	Description     string `json:"description"`
	SourceBranch    string `json:"source_branch"`
	TargetBranch    string `json:"target_branch"`
	SourceProjectID int64  `json:"source_project_id"`
	TargetProjectID int64  `json:"target_project_id"`
	State           string `json:"state"`
	Action          string `json:"action"`
	Oldrev          string `json:"oldrev"`
	URL             string `json:"url"`
	UpdatedAt       string `json:"updated_at"`
	LastCommit      struct {
		ID string `json:"id"`
	} `json:"last_commit"`
}

type mergeRequestPayload struct {
	User             user         `json:"user"`
	Project          project      `json:"project"`
	ObjectAttributes mergeRequest `json:"object_attributes"`
}

type notePayload struct {
	User             user    `json:"user"`
	Project          project `json:"project"`
	ObjectAttributes struct {
		ID           int64  `json:"id"`
		Note         string `json:"note"`
		NoteableType string `json:"noteable_type"`
		CommitID     string `json:"commit_id"`
		System       bool   `json:"system"`
		Action       string `json:"action"`
		URL          string `json:"url"`
		CreatedAt    string `json:"created_at"`
	} `json:"object_attributes"`
	MergeRequest *struct {
		IID int64 `json:"iid"`
	} `json:"merge_request"`
	Commit *struct {
		ID string `json:"id"`
	} `json:"commit"`
}

func itoa(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
