package events

import (
	"fmt"
	"time"
)

// Repository identifies the repository an event is about. Every repository
// event carries one.
type Repository struct {
	Name     string `json:"name"`
	FullName string `json:"fullName"`
	CloneURL string `json:"cloneURL"`
	Provider string `json:"provider"` // github, gitea, gitlab, git
}

// Validate reports the first missing required field.
func (r Repository) Validate() error {
	switch {
	case r.Name == "":
		return fieldError("repository.name", "is required")
	case r.CloneURL == "":
		return fieldError("repository.cloneURL", "is required")
	}
	return nil
}

// Reference types.
const (
	ReferenceTypeBranch = "branch"
	ReferenceTypeTag    = "tag"
)

// ReferenceData is the data of referenceCreated, referenceUpdated and
// referenceDeleted.
type ReferenceData struct {
	Repository        Repository `json:"repository"`
	ReferenceFullName string     `json:"referenceFullName"` // refs/heads/main
	ReferenceName     string     `json:"referenceName"`     // main
	ReferenceType     string     `json:"referenceType"`     // branch | tag
	CommitID          string     `json:"commitId"`          // empty on delete
	OldCommitID       string     `json:"oldCommitId"`       // empty on create
	Pusher            string     `json:"pusher,omitempty"`
	Forced            bool       `json:"forced,omitempty"`
}

// Validate reports the first missing or invalid field.
func (d *ReferenceData) Validate() error {
	if err := d.Repository.Validate(); err != nil {
		return err
	}
	switch {
	case d.ReferenceFullName == "":
		return fieldError("referenceFullName", "is required")
	case d.ReferenceType != ReferenceTypeBranch && d.ReferenceType != ReferenceTypeTag:
		return fieldError("referenceType", fmt.Sprintf("must be %q or %q, got %q", ReferenceTypeBranch, ReferenceTypeTag, d.ReferenceType))
	case d.CommitID == "" && d.OldCommitID == "":
		return fieldError("commitId", "is required (or oldCommitId for a deleted reference)")
	}
	return nil
}

// Pull request statuses and approval states, as CodeCommit names them.
const (
	PullRequestOpen   = "OPEN"
	PullRequestClosed = "CLOSED"
	ApprovalApprove   = "APPROVE"
	ApprovalRevoke    = "REVOKE"
)

// PullRequestData is the data of every pullRequest* event.
type PullRequestData struct {
	Repository           Repository `json:"repository"`
	PullRequestID        string     `json:"pullRequestId"`
	Title                string     `json:"title"`
	Description          string     `json:"description,omitempty"`
	Author               string     `json:"author,omitempty"`
	SourceReference      string     `json:"sourceReference"`
	DestinationReference string     `json:"destinationReference"`
	SourceCommit         string     `json:"sourceCommit"`
	DestinationCommit    string     `json:"destinationCommit,omitempty"`
	Status               string     `json:"status"` // OPEN | CLOSED
	IsMerged             bool       `json:"isMerged"`
	URL                  string     `json:"url,omitempty"`
	// ApprovalState is set on pullRequestApprovalStateChanged: APPROVE or REVOKE.
	ApprovalState string `json:"approvalState,omitempty"`
	// Reviewer is who changed the approval state.
	Reviewer string `json:"reviewer,omitempty"`
	// Fork is true when the source branch lives in another repository; builds
	// of forks get no secrets unless a rule says so.
	Fork bool `json:"fork,omitempty"`
}

// Validate reports the first missing required field.
func (d *PullRequestData) Validate() error {
	if err := d.Repository.Validate(); err != nil {
		return err
	}
	switch {
	case d.PullRequestID == "":
		return fieldError("pullRequestId", "is required")
	case d.SourceReference == "":
		return fieldError("sourceReference", "is required")
	case d.DestinationReference == "":
		return fieldError("destinationReference", "is required")
	case d.SourceCommit == "":
		return fieldError("sourceCommit", "is required")
	}
	return nil
}

// CommentData is the data of commentOnCommitCreated and
// commentOnPullRequestCreated.
type CommentData struct {
	Repository    Repository `json:"repository"`
	CommentID     string     `json:"commentId"`
	Body          string     `json:"body"`
	Author        string     `json:"author,omitempty"`
	CommitID      string     `json:"commitId,omitempty"`
	PullRequestID string     `json:"pullRequestId,omitempty"`
	URL           string     `json:"url,omitempty"`
}

// Validate reports the first missing required field.
func (d *CommentData) Validate() error {
	if err := d.Repository.Validate(); err != nil {
		return err
	}
	if d.CommentID == "" {
		return fieldError("commentId", "is required")
	}
	return nil
}

// Build states, as CodeBuild names them.
const (
	BuildInProgress = "IN_PROGRESS"
	BuildSucceeded  = "SUCCEEDED"
	BuildFailed     = "FAILED"
	BuildStopped    = "STOPPED"
	BuildTimedOut   = "TIMED_OUT"
)

var buildStates = map[string]bool{BuildInProgress: true, BuildSucceeded: true, BuildFailed: true, BuildStopped: true, BuildTimedOut: true}

// Caused is embedded in the data of events a function emits: the id of the
// event that started the work and the rule's context, so a later rule can
// answer on the same pull request.
type Caused struct {
	TriggerEventID string         `json:"triggerEventId,omitempty"`
	Context        map[string]any `json:"context,omitempty"`
}

// ReportSummary totals one test report group.
type ReportSummary struct {
	Name     string   `json:"name"`
	Total    int      `json:"total"`
	Passed   int      `json:"passed"`
	Failed   int      `json:"failed"`
	Skipped  int      `json:"skipped"`
	PassRate float64  `json:"passRate"`
	Failures []string `json:"failures,omitempty"`
}

// BuildStateData is the data of build.stateChanged.
type BuildStateData struct {
	Caused
	BuildID     string          `json:"buildId"`
	BuildNumber int64           `json:"buildNumber,omitempty"`
	Project     string          `json:"project"`
	Status      string          `json:"status"`
	Repository  *Repository     `json:"repository,omitempty"`
	Reference   string          `json:"reference,omitempty"`
	CommitID    string          `json:"commitId,omitempty"`
	StartTime   *time.Time      `json:"startTime,omitempty"`
	EndTime     *time.Time      `json:"endTime,omitempty"`
	DurationMS  int64           `json:"durationMs,omitempty"`
	LogURL      string          `json:"logURL,omitempty"`
	BadgeURL    string          `json:"badgeURL,omitempty"`
	Reports     []ReportSummary `json:"reports,omitempty"`
	Message     string          `json:"message,omitempty"`
}

// Validate reports the first missing or invalid field.
func (d *BuildStateData) Validate() error {
	switch {
	case d.BuildID == "":
		return fieldError("buildId", "is required")
	case d.Project == "":
		return fieldError("project", "is required")
	case !buildStates[d.Status]:
		return fieldError("status", fmt.Sprintf("must be one of IN_PROGRESS, SUCCEEDED, FAILED, STOPPED, TIMED_OUT, got %q", d.Status))
	}
	return nil
}

// BuildPhaseData is the data of build.phaseChanged.
type BuildPhaseData struct {
	Caused
	BuildID    string `json:"buildId"`
	Project    string `json:"project"`
	Phase      string `json:"phase"`
	Status     string `json:"status"` // IN_PROGRESS, SUCCEEDED, FAILED
	DurationMS int64  `json:"durationMs,omitempty"`
}

// Validate reports the first missing required field.
func (d *BuildPhaseData) Validate() error {
	switch {
	case d.BuildID == "":
		return fieldError("buildId", "is required")
	case d.Phase == "":
		return fieldError("phase", "is required")
	case d.Status == "":
		return fieldError("status", "is required")
	}
	return nil
}

// PipelineExecutionData is the data of pipeline.executionStateChanged.
type PipelineExecutionData struct {
	Caused
	Pipeline    string `json:"pipeline"`
	ExecutionID string `json:"executionId"`
	State       string `json:"state"` // STARTED, SUCCEEDED, FAILED, STOPPED, SUPERSEDED
}

// Validate reports the first missing required field.
func (d *PipelineExecutionData) Validate() error {
	return requireAll("pipeline", d.Pipeline, "executionId", d.ExecutionID, "state", d.State)
}

// PipelineStageData is the data of pipeline.stageStateChanged.
type PipelineStageData struct {
	PipelineExecutionData
	Stage string `json:"stage"`
}

// Validate reports the first missing required field.
func (d *PipelineStageData) Validate() error {
	if err := d.PipelineExecutionData.Validate(); err != nil {
		return err
	}
	return requireAll("stage", d.Stage)
}

// PipelineActionData is the data of pipeline.actionStateChanged.
type PipelineActionData struct {
	PipelineStageData
	Action string `json:"action"`
}

// Validate reports the first missing required field.
func (d *PipelineActionData) Validate() error {
	if err := d.PipelineStageData.Validate(); err != nil {
		return err
	}
	return requireAll("action", d.Action)
}

// ReplicationData is the data of replication.completed and replication.failed.
// Target is a URL with any user information removed.
type ReplicationData struct {
	Caused
	Repository Repository `json:"repository"`
	Target     string     `json:"target"`
	Refs       []string   `json:"refs,omitempty"`
	Objects    int64      `json:"objects,omitempty"`
	Bytes      int64      `json:"bytes,omitempty"`
	DurationMS int64      `json:"durationMs,omitempty"`
	LagMS      int64      `json:"lagMs,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// Validate reports the first missing required field.
func (d *ReplicationData) Validate() error {
	if err := d.Repository.Validate(); err != nil {
		return err
	}
	return requireAll("target", d.Target)
}

// NotificationData is the data of notification.sent and notification.failed.
// URL is the address of what was created (a comment, a status) where there is
// one, never a secret-bearing endpoint.
type NotificationData struct {
	Caused
	Channel string `json:"channel"` // webhook, slack, email, nats, github, gitea
	Target  string `json:"target,omitempty"`
	URL     string `json:"url,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Validate reports the first missing required field.
func (d *NotificationData) Validate() error { return requireAll("channel", d.Channel) }

// Reasons an invocation is dead-lettered.
const (
	ReasonExhausted = "exhausted" // maxAttempts or maxAge reached
	ReasonPermanent = "permanent" // the function said retrying cannot help
	ReasonLoop      = "loop"      // the hop limit was passed
	ReasonInvalid   = "invalid"   // the message could not be decoded
)

// InvocationFailedData is the data of engine.invocationFailed.
type InvocationFailedData struct {
	InvocationID string `json:"invocationId,omitempty"`
	Rule         string `json:"rule,omitempty"`
	Function     string `json:"function,omitempty"`
	EventID      string `json:"eventId"`
	EventType    string `json:"eventType,omitempty"`
	EventSource  string `json:"eventSource,omitempty"`
	Attempts     int    `json:"attempts"`
	Reason       string `json:"reason"`
	Error        string `json:"error"`
	DLQSequence  uint64 `json:"dlqSequence,omitempty"`
}

// Validate reports the first missing required field.
func (d *InvocationFailedData) Validate() error {
	return requireAll("eventId", d.EventID, "reason", d.Reason)
}

// RuleDisabledData is the data of engine.ruleDisabled.
type RuleDisabledData struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

// Validate reports the first missing required field.
func (d *RuleDisabledData) Validate() error { return requireAll("rule", d.Rule, "reason", d.Reason) }

// requireAll takes (name, value) pairs and reports the first empty value.
func requireAll(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return fieldError(pairs[i], "is required")
		}
	}
	return nil
}
