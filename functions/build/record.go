package build

import (
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions/build/runner"
)

// Status is the state of a build: IN_PROGRESS, SUCCEEDED, FAILED, STOPPED or
// TIMED_OUT (events.Build*).
type Status = string

// Build statuses.
const (
	StatusInProgress Status = events.BuildInProgress
	StatusSucceeded  Status = events.BuildSucceeded
	StatusFailed     Status = events.BuildFailed
	StatusStopped    Status = events.BuildStopped
	StatusTimedOut   Status = events.BuildTimedOut
)

// Record is one build as stored in CB_BUILDS and served by the HTTP API.
type Record struct {
	ID        string                 `json:"id"`
	Number    int64                  `json:"number"`
	Project   string                 `json:"project"`
	Function  string                 `json:"function"`
	Status    Status                 `json:"status"`
	Message   string                 `json:"message,omitempty"`
	Source    Source                 `json:"source"`
	Phases    []runner.PhaseResult   `json:"phases,omitempty"`
	Reports   []events.ReportSummary `json:"reports,omitempty"`
	Artifacts *ArtifactInfo          `json:"artifacts,omitempty"`
	Exported  map[string]string      `json:"exportedVariables,omitempty"`

	StartTime  time.Time `json:"startTime"`
	EndTime    time.Time `json:"endTime,omitzero"`
	DurationMS int64     `json:"durationMs,omitempty"`
	LogURL     string    `json:"logURL,omitempty"`
	BadgeURL   string    `json:"badgeURL,omitempty"`

	// Who runs it and whether it still does.
	Worker    string    `json:"worker"`
	Heartbeat time.Time `json:"heartbeat"`

	// What caused it, to stamp the events the reaper emits for it.
	InvocationID   string         `json:"invocationId,omitempty"`
	Attempt        int            `json:"attempt,omitempty"`
	Rule           string         `json:"rule,omitempty"`
	TriggerEventID string         `json:"triggerEventId,omitempty"`
	TriggerHops    int            `json:"triggerHops,omitempty"`
	Context        map[string]any `json:"context,omitempty"`

	// Abandoned marks a build that ended because of the worker (lost, shut
	// down, checkout failed): a redelivery of its invocation builds again.
	Abandoned bool `json:"abandoned,omitempty"`
}

// ArtifactInfo describes the zip stored in CB_ARTIFACTS.
type ArtifactInfo struct {
	Name   string `json:"name"`
	Object string `json:"object"`
	Files  int    `json:"files"`
	Size   int64  `json:"size"`
}

// Done reports whether the build has ended.
func (r *Record) Done() bool { return r.Status != StatusInProgress }
