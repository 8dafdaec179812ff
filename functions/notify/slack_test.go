package notify

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// slackHook imitates an incoming webhook: it answers "ok" to a payload of
// the documented shape and 400 invalid_payload otherwise, and keeps what it
// accepted as generic JSON so the test reads the wire format, not our types.
type slackHook struct {
	mu       sync.Mutex
	accepted []map[string]any
	problems []string
}

func newSlackHook(t *testing.T) (*slackHook, *httptest.Server) {
	h := &slackHook{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func (h *slackHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var m map[string]any
	err := json.Unmarshal(body, &m)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil || r.URL.Path != "/services/T000/B000/XXXX" {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	if p := slackShapeProblems(m); len(p) > 0 {
		h.problems = append(h.problems, p...)
		http.Error(w, "invalid_blocks", http.StatusBadRequest)
		return
	}
	h.accepted = append(h.accepted, m)
	_, _ = io.WriteString(w, "ok")
}

// slackShapeProblems checks the Block Kit rules the message relies on: a
// top-level text, attachments with a hex colour and blocks; header text is
// plain_text of at most 150 characters; a section has mrkdwn text or at most
// 10 fields; actions hold buttons with plain_text text and an absolute URL.
func slackShapeProblems(m map[string]any) []string {
	var p []string
	if s, _ := m["text"].(string); s == "" {
		p = append(p, "no top-level text")
	}
	atts, _ := m["attachments"].([]any)
	if len(atts) != 1 {
		return append(p, "want one attachment")
	}
	att := atts[0].(map[string]any)
	if c, _ := att["color"].(string); !strings.HasPrefix(c, "#") || len(c) != 7 {
		p = append(p, fmt.Sprintf("colour %v", att["color"]))
	}
	blocks, _ := att["blocks"].([]any)
	if len(blocks) == 0 {
		p = append(p, "no blocks")
	}
	for i, b := range blocks {
		b := b.(map[string]any)
		text, _ := b["text"].(map[string]any)
		switch b["type"] {
		case "header":
			if text["type"] != "plain_text" || len(text["text"].(string)) > 150 {
				p = append(p, fmt.Sprintf("block %d: bad header %v", i, text))
			}
		case "section":
			fields, _ := b["fields"].([]any)
			if text == nil && len(fields) == 0 {
				p = append(p, fmt.Sprintf("block %d: section without text or fields", i))
			}
			if len(fields) > 10 {
				p = append(p, fmt.Sprintf("block %d: %d fields", i, len(fields)))
			}
			for _, f := range fields {
				if f.(map[string]any)["type"] != "mrkdwn" {
					p = append(p, fmt.Sprintf("block %d: field %v", i, f))
				}
			}
		case "actions":
			for _, e := range b["elements"].([]any) {
				e := e.(map[string]any)
				t, _ := e["text"].(map[string]any)
				u, _ := e["url"].(string)
				if e["type"] != "button" || t["type"] != "plain_text" || !strings.HasPrefix(u, "http") {
					p = append(p, fmt.Sprintf("block %d: bad button %v", i, e))
				}
			}
		default:
			p = append(p, fmt.Sprintf("block %d: unexpected type %v", i, b["type"]))
		}
	}
	return p
}

func (h *slackHook) snapshot() ([]map[string]any, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.accepted...), append([]string(nil), h.problems...)
}

func TestSlackBlockKitPayload(t *testing.T) {
	hook, srv := newSlackHook(t)
	n := build(t, fmt.Sprintf("slack: {webhookURL: %s/services/T000/B000/XXXX, rateLimit: 10/s}", srv.URL), functions.Deps{})
	res, err := invoke(t, n, invocation(t, "inv-slack", buildFailed(t), ""))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	got, problems := hook.snapshot()
	if len(problems) > 0 || len(got) != 1 {
		t.Fatalf("accepted %d, shape problems %v", len(got), problems)
	}
	m := got[0]
	if m["text"] != "Build app #42 FAILED" {
		t.Errorf("text = %v", m["text"])
	}
	att := m["attachments"].([]any)[0].(map[string]any)
	if att["color"] != colourFailure {
		t.Errorf("colour = %v, want failure red", att["color"])
	}
	blocks := att["blocks"].([]any)
	var types []string
	for _, b := range blocks {
		types = append(types, b.(map[string]any)["type"].(string))
	}
	if strings.Join(types, ",") != "header,section,section,actions" {
		t.Fatalf("block types = %v", types)
	}
	fields := blocks[2].(map[string]any)["fields"].([]any)
	first := fields[0].(map[string]any)["text"]
	if first != "*Repository*\nacme/app" {
		t.Errorf("first field = %q", first)
	}
	button := blocks[3].(map[string]any)["elements"].([]any)[0].(map[string]any)
	if button["url"] != "https://ci.example/builds/app:42/logs" || button["text"].(map[string]any)["text"] != "View log" {
		t.Errorf("button = %v", button)
	}
	nd := notificationData(t, res)
	if s := nd["slack/sent"]; s.Target != srv.URL+"/…" {
		t.Errorf("slack target = %q (the hook path is a secret)", s.Target)
	}
}

func TestSlackColourAndEscaping(t *testing.T) {
	tests := []struct {
		name   string
		msg    message
		colour string
	}{
		{"success", message{Title: "ok", Outcome: outcomeSuccess}, colourSuccess},
		{"failure", message{Title: "bad", Outcome: outcomeFailure}, colourFailure},
		{"info", message{Title: "fyi"}, colourInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := slackMessage(tt.msg).Attachments[0].Color; c != tt.colour {
				t.Errorf("colour = %s, want %s", c, tt.colour)
			}
		})
	}
	m := slackMessage(message{
		Title: strings.Repeat("t", 400),
		Body:  "<!channel> fix <https://evil.example|this> & that",
		Links: []Link{{Text: "relative", URL: "/logs/1"}, {Text: "ok", URL: "https://ci.example/1"}},
	})
	blocks := m.Attachments[0].Blocks
	if n := len(blocks[0].Text.Text); n > slackHeaderMax {
		t.Errorf("header is %d bytes", n)
	}
	if got := blocks[1].Text.Text; got != "&lt;!channel&gt; fix &lt;https://evil.example|this&gt; &amp; that" {
		t.Errorf("body not escaped: %q", got)
	}
	if els := blocks[2].Elements; len(els) != 1 || els[0].URL != "https://ci.example/1" {
		t.Errorf("buttons = %+v (a relative URL makes Slack refuse the message)", els)
	}
}

func TestSlackDefaultsPerEvent(t *testing.T) {
	repo := events.Repository{Name: "app", FullName: "acme/app", CloneURL: "https://git.example/acme/app.git"}
	tests := []struct {
		name    string
		event   events.Event
		title   string
		outcome outcome
		body    string
	}{
		{"build timed out", mustEvent(t, events.BuildStateChanged, "b", events.BuildStateData{BuildID: "x:1", Project: "x", Status: events.BuildTimedOut}),
			"Build x TIMED_OUT", outcomeFailure, "The build ran out of time."},
		{"build succeeded", mustEvent(t, events.BuildStateChanged, "b", events.BuildStateData{BuildID: "x:2", BuildNumber: 2, Project: "x", Status: events.BuildSucceeded}),
			"Build x #2 SUCCEEDED", outcomeSuccess, "The build is SUCCEEDED."},
		{"pipeline failed", mustEvent(t, events.PipelineExecutionStateChanged, "p", events.PipelineExecutionData{Pipeline: "release", ExecutionID: "e-1", State: "FAILED"}),
			"Pipeline release FAILED", outcomeFailure, "Execution e-1 of pipeline release is FAILED."},
		{"replication failed", mustEvent(t, events.ReplicationFailed, "r", events.ReplicationData{Repository: repo, Target: "ssh://eu.example/app.git", Error: "remote hung up"}),
			"Replication of acme/app to ssh://eu.example/app.git failed", outcomeFailure, "remote hung up"},
		{"invocation failed", mustEvent(t, events.EngineInvocationFailed, "codebridge://engine", events.InvocationFailedData{
			Rule: "mirror", Function: "mirror-eu", EventID: "e-9", Attempts: 185, Reason: events.ReasonExhausted, Error: "push: timeout"}),
			"Invocation of mirror-eu failed (exhausted)", outcomeFailure, "push: timeout"},
		{"pull request", mustEvent(t, events.PullRequestCreated, "g", events.PullRequestData{Repository: repo, PullRequestID: "7", Title: "Add x",
			SourceReference: "refs/heads/x", DestinationReference: "refs/heads/main", SourceCommit: "abc", Status: "OPEN"}),
			"acme/app pull request #7: Add x", outcomeInfo, "refs/heads/x → refs/heads/main (created)"},
		{"generic", mustEvent(t, "com.example.deploy.done", "https://deploy.example", map[string]any{"env": "prod"}),
			"com.example.deploy.done from https://deploy.example", outcomeInfo, `{"env":"prod"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := defaultMessage(tt.event)
			if m.Title != tt.title || m.Outcome != tt.outcome || m.Body != tt.body {
				t.Errorf("got %q / %v / %q, want %q / %v / %q", m.Title, m.Outcome, m.Body, tt.title, tt.outcome, tt.body)
			}
		})
	}
	inv := defaultMessage(mustEvent(t, events.EngineInvocationFailed, "e", events.InvocationFailedData{Rule: "r", Function: "f", EventID: "e-1", Attempts: 3, Reason: "permanent", Error: "x"}))
	names := map[string]string{}
	for _, f := range inv.Fields {
		names[f.Name] = f.Value
	}
	if names["Rule"] != "r" || names["Function"] != "f" || names["Attempts"] != "3" {
		t.Errorf("invocationFailed fields = %v", inv.Fields)
	}
}
