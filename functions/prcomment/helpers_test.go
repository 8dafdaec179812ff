package prcomment_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/prcomment"
)

const rule = "validate-pr"

// prEvent is the pullRequestCreated event the rules react to.
func prEvent(t *testing.T) events.Event {
	t.Helper()
	e, err := events.New(events.PullRequestCreated, "https://github.example/octo/app", &events.PullRequestData{
		Repository:           events.Repository{Name: ghRepo, FullName: ghOwner + "/" + ghRepo, CloneURL: "https://github.example/octo/app.git", Provider: "github"},
		PullRequestID:        "42",
		Title:                "Add feature",
		SourceReference:      "refs/heads/feature",
		DestinationReference: "refs/heads/main",
		SourceCommit:         ghSHA,
		Status:               "OPEN",
	}, events.WithID("evt-1"), events.WithSubject("42"))
	if err != nil {
		t.Fatal(err)
	}
	events.SetHops(&e, 2)
	return e
}

func invocation(t *testing.T, id string, attempt int, input string) functions.Invocation {
	t.Helper()
	return functions.Invocation{
		ID:       id,
		Attempt:  attempt,
		Rule:     rule,
		Function: "pr-bot",
		Event:    prEvent(t),
		Input:    json.RawMessage(input),
		Context:  map[string]any{"pr": float64(42)},
	}
}

func newCommenter(t *testing.T, cfg prcomment.Config, secrets ...string) *prcomment.Commenter {
	t.Helper()
	c, err := prcomment.New("pr-bot", cfg, functions.Deps{Logger: zerolog.Nop(), Secrets: secrets})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func githubCommenter(t *testing.T, f *fakeGitHub) *prcomment.Commenter {
	return newCommenter(t, prcomment.Config{Provider: "github", Token: f.token, BaseURL: f.srv.URL, RequestTimeout: prcomment.Duration(10 * time.Second)})
}

func giteaCommenter(t *testing.T, f *fakeGitea) *prcomment.Commenter {
	return newCommenter(t, prcomment.Config{Provider: "gitea", Token: f.token, BaseURL: f.srv.URL, RequestTimeout: prcomment.Duration(10 * time.Second)})
}

// notification is the data of a notification.sent event, checked along with
// its attributes.
type notification struct {
	ID, Subject, Cause string
	Hops               int
	Context            string
	Data               events.NotificationData
}

func notifications(t *testing.T, res functions.Result) []notification {
	t.Helper()
	var out []notification
	for _, e := range res.Events {
		if err := events.Validate(e); err != nil {
			t.Fatalf("emitted event is invalid: %v", err)
		}
		if e.Type() != events.NotificationSent {
			t.Fatalf("emitted %s, want %s", e.Type(), events.NotificationSent)
		}
		var d events.NotificationData
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			t.Fatal(err)
		}
		ctx, _ := e.Extensions()[events.ExtContext].(string)
		out = append(out, notification{ID: e.ID(), Subject: e.Subject(), Cause: events.Cause(e), Hops: events.Hops(e), Context: ctx, Data: d})
	}
	return out
}

// requireNoSecret fails when err's text carries the token.
func requireNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error carries a secret: %v", err)
		}
	}
}

type outcome int

const (
	retryable outcome = iota
	permanent
	retryAfter
)

func (o outcome) String() string { return [...]string{"retryable", "permanent", "retryAfter"}[o] }

func outcomeOf(err error) outcome {
	switch {
	case functions.IsPermanent(err):
		return permanent
	default:
		if _, ok := functions.RetryDelay(err); ok {
			return retryAfter
		}
		return retryable
	}
}

func hostError(t *testing.T, err error) *prcomment.HostError {
	t.Helper()
	var he *prcomment.HostError
	if !errors.As(err, &he) {
		t.Fatalf("error %v (%T) is not a *HostError", err, err)
	}
	return he
}
