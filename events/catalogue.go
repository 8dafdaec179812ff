package events

import (
	"sort"
	"strings"
)

// Namespace prefixes every catalogue type.
const Namespace = "dev.codebridge."

// Repository events.
const (
	ReferenceCreated                = Namespace + "repository.referenceCreated"
	ReferenceUpdated                = Namespace + "repository.referenceUpdated"
	ReferenceDeleted                = Namespace + "repository.referenceDeleted"
	PullRequestCreated              = Namespace + "repository.pullRequestCreated"
	PullRequestSourceBranchUpdated  = Namespace + "repository.pullRequestSourceBranchUpdated"
	PullRequestStatusChanged        = Namespace + "repository.pullRequestStatusChanged"
	PullRequestMergeStatusUpdated   = Namespace + "repository.pullRequestMergeStatusUpdated"
	PullRequestApprovalStateChanged = Namespace + "repository.pullRequestApprovalStateChanged"
	CommentOnCommitCreated          = Namespace + "repository.commentOnCommitCreated"
	CommentOnPullRequestCreated     = Namespace + "repository.commentOnPullRequestCreated"
)

// Build, pipeline, replication, notification and engine events.
const (
	BuildStateChanged             = Namespace + "build.stateChanged"
	BuildPhaseChanged             = Namespace + "build.phaseChanged"
	PipelineExecutionStateChanged = Namespace + "pipeline.executionStateChanged"
	PipelineStageStateChanged     = Namespace + "pipeline.stageStateChanged"
	PipelineActionStateChanged    = Namespace + "pipeline.actionStateChanged"
	ReplicationCompleted          = Namespace + "replication.completed"
	ReplicationFailed             = Namespace + "replication.failed"
	NotificationSent              = Namespace + "notification.sent"
	NotificationFailed            = Namespace + "notification.failed"
	EngineInvocationFailed        = Namespace + "engine.invocationFailed"
	EngineRuleDisabled            = Namespace + "engine.ruleDisabled"
)

// Validator is implemented by every data struct of the catalogue: it reports
// the first required field that is missing or out of range, naming it.
type Validator interface {
	Validate() error
}

// catalogue maps each type to a constructor of its (empty) data struct.
var catalogue = map[string]func() Validator{
	ReferenceCreated:                func() Validator { return new(ReferenceData) },
	ReferenceUpdated:                func() Validator { return new(ReferenceData) },
	ReferenceDeleted:                func() Validator { return new(ReferenceData) },
	PullRequestCreated:              func() Validator { return new(PullRequestData) },
	PullRequestSourceBranchUpdated:  func() Validator { return new(PullRequestData) },
	PullRequestStatusChanged:        func() Validator { return new(PullRequestData) },
	PullRequestMergeStatusUpdated:   func() Validator { return new(PullRequestData) },
	PullRequestApprovalStateChanged: func() Validator { return new(PullRequestData) },
	CommentOnCommitCreated:          func() Validator { return new(CommentData) },
	CommentOnPullRequestCreated:     func() Validator { return new(CommentData) },
	BuildStateChanged:               func() Validator { return new(BuildStateData) },
	BuildPhaseChanged:               func() Validator { return new(BuildPhaseData) },
	PipelineExecutionStateChanged:   func() Validator { return new(PipelineExecutionData) },
	PipelineStageStateChanged:       func() Validator { return new(PipelineStageData) },
	PipelineActionStateChanged:      func() Validator { return new(PipelineActionData) },
	ReplicationCompleted:            func() Validator { return new(ReplicationData) },
	ReplicationFailed:               func() Validator { return new(ReplicationData) },
	NotificationSent:                func() Validator { return new(NotificationData) },
	NotificationFailed:              func() Validator { return new(NotificationData) },
	EngineInvocationFailed:          func() Validator { return new(InvocationFailedData) },
	EngineRuleDisabled:              func() Validator { return new(RuleDisabledData) },
	EngineScheduled:                 func() Validator { return new(ScheduledData) },
}

// Types lists the catalogue's event types in sorted order.
func Types() []string {
	out := make([]string, 0, len(catalogue))
	for t := range catalogue {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Known reports whether typ is a catalogue type.
func Known(typ string) bool {
	_, ok := catalogue[typ]
	return ok
}

// NewData returns a pointer to an empty data struct for a catalogue type, or
// nil when typ is not in the catalogue.
func NewData(typ string) Validator {
	if f, ok := catalogue[typ]; ok {
		return f()
	}
	return nil
}

// IsRepositoryEvent reports whether typ is in the repository area.
func IsRepositoryEvent(typ string) bool {
	return strings.HasPrefix(typ, Namespace+"repository.")
}
