package prcomment_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/prcomment"
)

// Bad input is permanent, names the field, and sends nothing to the host.
func TestInputErrors(t *testing.T) {
	f := newFakeGitea(t)
	c := giteaCommenter(t, f)
	for _, tc := range []struct {
		name, input, field string
		noEvent            bool
	}{
		{name: "empty", input: ``, field: "input"},
		{name: "null", input: `null`, field: "input"},
		{name: "the event itself", input: `{"specversion": "1.0", "id": "x", "type": "t", "source": "s"}`, field: "input"},
		{name: "not an object", input: `[1, 2]`, field: "input"},
		{name: "two objects", input: `{"comment": "a"} {"comment": "b"}`, field: "input"},
		{name: "unknown field", input: `{"commnet": "hi"}`, field: `unknown field "commnet"`},
		{name: "nothing to do", input: `{"repository": "octo/app", "pullRequest": 42}`, field: "comment"},
		{name: "comment and body", input: `{"comment": "a", "body": "b"}`, field: "body"},
		{name: "blank comment", input: `{"comment": "  \n "}`, field: "comment"},
		{name: "long sticky", input: `{"sticky": "` + strings.Repeat("x", 70000) + `"}`, field: "sticky"},
		{name: "repository shape", input: `{"repository": "octo", "comment": "hi"}`, field: "repository"},
		{name: "repository path escape", input: `{"repository": "../etc", "comment": "hi"}`, field: "repository"},
		{name: "repository dot dot", input: `{"repository": "octo/..", "comment": "hi"}`, field: "repository"},
		{name: "no repository anywhere", input: `{"comment": "hi"}`, field: "repository", noEvent: true},
		{name: "pull request zero", input: `{"pullRequest": 0, "comment": "hi"}`, field: "pullRequest"},
		{name: "pull request text", input: `{"pullRequest": "forty-two", "comment": "hi"}`, field: "pullRequest"},
		{name: "pull request fraction", input: `{"pullRequest": 4.2, "comment": "hi"}`, field: "pullRequest"},
		{name: "no pull request for another repository", input: `{"repository": "octo/other", "comment": "hi"}`, field: "pullRequest"},
		{name: "state", input: `{"status": {"state": "ok"}}`, field: "status.state"},
		{name: "state missing", input: `{"status": {}}`, field: "status.state"},
		{name: "status wrong type", input: `{"status": "success"}`, field: "status"},
		{name: "target URL", input: `{"status": {"state": "success", "targetURL": "javascript:alert(1)"}}`, field: "status.targetURL"},
		{name: "context newline", input: `{"status": {"state": "success", "context": "a\nb"}}`, field: "status.context"},
		{name: "commit not hex", input: `{"commit": "main; rm -rf /", "status": {"state": "success"}}`, field: "commit"},
		{name: "no commit anywhere", input: `{"repository": "octo/other", "status": {"state": "success"}}`, field: "commit"},
		{name: "sticky key newline", input: `{"sticky": "x", "stickyKey": "a\nb"}`, field: "stickyKey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := invocation(t, "inv-bad", 1, tc.input)
			if tc.noEvent {
				inv.Event = events.Event{}
			}
			_, err := c.Invoke(context.Background(), inv)
			if err == nil {
				t.Fatal("want an error")
			}
			if !functions.IsPermanent(err) || !errors.Is(err, prcomment.ErrInvalid) {
				t.Fatalf("%v: want a permanent ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %q does not name %q", err, tc.field)
			}
			t.Log(err)
			var fe *prcomment.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("%v is not a *FieldError", err)
			}
			if calls := f.rec.takeCalls(); len(calls) != 0 {
				t.Fatalf("bad input reached the host: %v", callStrings(calls))
			}
		})
	}
}

// The rule example of DESIGN.md: {"body": ...} on a pull request event.
func TestInputBodyIsAComment(t *testing.T) {
	f := newFakeGitHub(t)
	c := githubCommenter(t, f)
	if _, err := c.Invoke(context.Background(), invocation(t, "inv-body", 1, `{"body": "Build started for `+ghSHA+`"}`)); err != nil {
		t.Fatal(err)
	}
	calls := f.rec.takeCalls()
	requireCalls(t, calls, ghList1, ghPost)
	if got := calls[1].Body["body"]; got != "Build started for "+ghSHA+"\n\n<!-- codebridge:invocation inv-body -->" {
		t.Fatalf("body = %q", got)
	}
}

// A build event carries the repository and commit but no pull request: a
// status works, and the target names the commit.
func TestInputFromABuildEvent(t *testing.T) {
	f := newFakeGitHub(t)
	c := githubCommenter(t, f)
	ev, err := events.New(events.BuildStateChanged, "/functions/ci", &events.BuildStateData{
		BuildID: "b-7", Project: "app", Status: events.BuildSucceeded, CommitID: ghSHA,
		Repository: &events.Repository{Name: "app", FullName: "octo/app", CloneURL: "https://github.example/octo/app.git"},
	})
	if err != nil {
		t.Fatal(err)
	}
	inv := invocation(t, "inv-build", 1, `{"status": {"state": "success", "description": "build b-7 passed"}}`)
	inv.Event = ev
	res, err := c.Invoke(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	requireCalls(t, f.rec.takeCalls(), ghStatus)
	ns := notifications(t, res)
	if len(ns) != 1 || ns[0].Data.Target != "octo/app@"+ghSHA || ns[0].Subject != "" || ns[0].Cause != ev.ID() {
		t.Fatalf("events = %+v", ns)
	}
}
