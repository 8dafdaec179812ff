package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/codebridge/codebridge/events"
)

// outcome colours a message: what happened went well, badly, or is neither.
type outcome int

const (
	outcomeInfo outcome = iota
	outcomeSuccess
	outcomeFailure
)

func (o outcome) String() string {
	switch o {
	case outcomeSuccess:
		return "success"
	case outcomeFailure:
		return "failure"
	}
	return "info"
}

// Field is a labelled value shown next to the body (Slack fields, an email
// table).
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Link is a button or a hyperlink.
type Link struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// message is what every channel renders in its own way.
type message struct {
	Title   string
	Body    string
	Outcome outcome
	Fields  []Field
	Links   []Link
}

// defaultMessage says what happened for the catalogue's failure events (and a
// few others) so that a rule needs only the channel; anything else gets a
// generic "<type> from <source>".
func defaultMessage(e events.Event) message {
	switch e.Type() {
	case events.BuildStateChanged:
		var d events.BuildStateData
		if json.Unmarshal(e.Data(), &d) == nil && d.Project != "" {
			return buildMessage(d)
		}
	case events.PipelineExecutionStateChanged:
		var d events.PipelineExecutionData
		if json.Unmarshal(e.Data(), &d) == nil && d.Pipeline != "" {
			return pipelineMessage(d)
		}
	case events.ReplicationFailed, events.ReplicationCompleted:
		var d events.ReplicationData
		if json.Unmarshal(e.Data(), &d) == nil && d.Target != "" {
			return replicationMessage(e.Type() == events.ReplicationFailed, d)
		}
	case events.EngineInvocationFailed:
		var d events.InvocationFailedData
		if json.Unmarshal(e.Data(), &d) == nil && d.EventID != "" {
			return invocationFailedMessage(d)
		}
	case events.PullRequestCreated, events.PullRequestStatusChanged, events.PullRequestMergeStatusUpdated,
		events.PullRequestSourceBranchUpdated, events.PullRequestApprovalStateChanged:
		var d events.PullRequestData
		if json.Unmarshal(e.Data(), &d) == nil && d.PullRequestID != "" {
			return pullRequestMessage(e.Type(), d)
		}
	}
	return genericMessage(e)
}

func buildMessage(d events.BuildStateData) message {
	m := message{Outcome: statusOutcome(d.Status)}
	if d.BuildNumber > 0 {
		m.Title = fmt.Sprintf("Build %s #%d %s", d.Project, d.BuildNumber, d.Status)
	} else {
		m.Title = fmt.Sprintf("Build %s %s", d.Project, d.Status)
	}
	repo := ""
	if d.Repository != nil {
		repo = repoName(*d.Repository)
	}
	switch {
	case d.Message != "":
		m.Body = d.Message
	case d.Status == events.BuildFailed:
		m.Body = "The build failed" + where(repo, d.Reference) + "."
	case d.Status == events.BuildTimedOut:
		m.Body = "The build ran out of time" + where(repo, d.Reference) + "."
	default:
		m.Body = "The build is " + d.Status + where(repo, d.Reference) + "."
	}
	m.Fields = appendField(m.Fields, "Repository", repo)
	m.Fields = appendField(m.Fields, "Reference", d.Reference)
	m.Fields = appendField(m.Fields, "Commit", shortCommit(d.CommitID))
	if d.DurationMS > 0 {
		m.Fields = appendField(m.Fields, "Duration", (time.Duration(d.DurationMS) * time.Millisecond).Round(time.Second).String())
	}
	var total, failed int
	for _, r := range d.Reports {
		total += r.Total
		failed += r.Failed
	}
	if total > 0 {
		m.Fields = appendField(m.Fields, "Tests", fmt.Sprintf("%d failed of %d", failed, total))
	}
	m.Fields = appendField(m.Fields, "Build", d.BuildID)
	if d.LogURL != "" {
		m.Links = append(m.Links, Link{Text: "View log", URL: d.LogURL})
	}
	return m
}

func pipelineMessage(d events.PipelineExecutionData) message {
	m := message{
		Title:   fmt.Sprintf("Pipeline %s %s", d.Pipeline, d.State),
		Outcome: statusOutcome(d.State),
		Body:    fmt.Sprintf("Execution %s of pipeline %s is %s.", d.ExecutionID, d.Pipeline, d.State),
	}
	m.Fields = appendField(m.Fields, "Pipeline", d.Pipeline)
	m.Fields = appendField(m.Fields, "Execution", d.ExecutionID)
	return m
}

func replicationMessage(failed bool, d events.ReplicationData) message {
	repo := repoName(d.Repository)
	m := message{Outcome: outcomeSuccess}
	if failed {
		m.Outcome = outcomeFailure
		m.Title = fmt.Sprintf("Replication of %s to %s failed", repo, d.Target)
		m.Body = d.Error
		if m.Body == "" {
			m.Body = "The mirror push failed."
		}
	} else {
		m.Title = fmt.Sprintf("Replication of %s to %s completed", repo, d.Target)
		m.Body = fmt.Sprintf("%d refs replicated.", len(d.Refs))
	}
	m.Fields = appendField(m.Fields, "Repository", repo)
	m.Fields = appendField(m.Fields, "Target", d.Target)
	if len(d.Refs) > 0 {
		m.Fields = appendField(m.Fields, "Refs", strings.Join(limitList(d.Refs, 5), ", "))
	}
	if d.LagMS > 0 {
		m.Fields = appendField(m.Fields, "Lag", (time.Duration(d.LagMS) * time.Millisecond).Round(time.Millisecond).String())
	}
	return m
}

func invocationFailedMessage(d events.InvocationFailedData) message {
	fn := d.Function
	if fn == "" {
		fn = "a function"
	}
	m := message{
		Outcome: outcomeFailure,
		Title:   fmt.Sprintf("Invocation of %s failed (%s)", fn, d.Reason),
		Body:    d.Error,
	}
	if m.Body == "" {
		m.Body = "The invocation was dead-lettered."
	}
	m.Fields = appendField(m.Fields, "Rule", d.Rule)
	m.Fields = appendField(m.Fields, "Function", d.Function)
	m.Fields = appendField(m.Fields, "Attempts", fmt.Sprint(d.Attempts))
	m.Fields = appendField(m.Fields, "Reason", d.Reason)
	m.Fields = appendField(m.Fields, "Event", strings.TrimPrefix(d.EventType, events.Namespace))
	m.Fields = appendField(m.Fields, "Event source", d.EventSource)
	m.Fields = appendField(m.Fields, "Event id", d.EventID)
	if d.DLQSequence > 0 {
		m.Fields = appendField(m.Fields, "DLQ sequence", fmt.Sprint(d.DLQSequence))
	}
	return m
}

func pullRequestMessage(typ string, d events.PullRequestData) message {
	repo := repoName(d.Repository)
	what := strings.TrimPrefix(typ, events.Namespace+"repository.pullRequest")
	m := message{
		Title: fmt.Sprintf("%s pull request #%s: %s", repo, d.PullRequestID, d.Title),
		Body:  fmt.Sprintf("%s → %s (%s)", d.SourceReference, d.DestinationReference, splitCamel(what)),
	}
	m.Fields = appendField(m.Fields, "Author", d.Author)
	m.Fields = appendField(m.Fields, "Status", d.Status)
	m.Fields = appendField(m.Fields, "Approval", d.ApprovalState)
	m.Fields = appendField(m.Fields, "Commit", shortCommit(d.SourceCommit))
	if d.URL != "" {
		m.Links = append(m.Links, Link{Text: "Open pull request", URL: d.URL})
	}
	return m
}

// genericMessageData caps how much of an unknown event's data is shown.
const genericMessageData = 1000

func genericMessage(e events.Event) message {
	m := message{Title: fmt.Sprintf("%s from %s", e.Type(), e.Source())}
	if s := e.Subject(); s != "" {
		m.Fields = appendField(m.Fields, "Subject", s)
	}
	if d := e.Data(); len(d) > 0 {
		m.Body = truncate(string(d), genericMessageData)
	}
	return m
}

func statusOutcome(s string) outcome {
	switch s {
	case events.BuildSucceeded:
		return outcomeSuccess
	case events.BuildFailed, events.BuildTimedOut:
		return outcomeFailure
	}
	return outcomeInfo
}

func repoName(r events.Repository) string {
	if r.FullName != "" {
		return r.FullName
	}
	return r.Name
}

func where(repo, ref string) string {
	s := ""
	if repo != "" {
		s += " in " + repo
	}
	if ref != "" {
		s += " at " + strings.TrimPrefix(ref, "refs/heads/")
	}
	return s
}

func appendField(fs []Field, name, value string) []Field {
	if value == "" {
		return fs
	}
	return append(fs, Field{Name: name, Value: value})
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func limitList(l []string, n int) []string {
	if len(l) <= n {
		return l
	}
	return append(append([]string(nil), l[:n]...), fmt.Sprintf("… %d more", len(l)-n))
}

// splitCamel turns "StatusChanged" into "status changed".
func splitCamel(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte(' ')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "created"
	}
	return b.String()
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
