package rules

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
)

func goodSet(t *testing.T) *Set {
	t.Helper()
	c, err := parseFile(t, "good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c.RuleSet()
}

func prCreated(t *testing.T, dest string) events.Event {
	t.Helper()
	e, err := events.New(events.PullRequestCreated, "https://github.com/acme/app", events.PullRequestData{
		Repository:    events.Repository{Name: "app", CloneURL: "https://github.com/acme/app.git", Provider: "github"},
		PullRequestID: "42", Title: "Fix", SourceReference: "refs/heads/fix", DestinationReference: dest,
		SourceCommit: "c0ffee", Status: "OPEN",
	}, events.WithID("pr-42"))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestMatchGood(t *testing.T) {
	set := goodSet(t)
	ctx := context.Background()

	e := prCreated(t, "refs/heads/main")
	ms, errs := set.Match(ctx, e)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := matchNames(ms); got != "validate-pr/pr-bot validate-pr/ci" {
		t.Fatalf("matches %s", got)
	}
	if got, want := string(ms[0].Input), `{"body":"Build started for c0ffee","context":{"pullRequestId":"42"}}`; got != want {
		t.Errorf("pr-bot input %s, want %s", got, want)
	}
	if !reflect.DeepEqual(ms[0].Context, map[string]any{"pullRequestId": "42"}) {
		t.Errorf("context %v", ms[0].Context)
	}
	if ms[1].Target != 1 || ms[1].Context != nil || ms[1].Retry.MaxAttempts != 185 {
		t.Errorf("ci match %+v", ms[1])
	}
	var got map[string]any
	if err := json.Unmarshal(ms[1].InputFor(e), &got); err != nil || !ms[1].InputIsEvent || ms[1].Input != nil || got["id"] != e.ID() || got["type"] != e.Type() {
		t.Errorf("ci input (the default) %s: want the event in CloudEvents JSON (%v)", ms[1].InputFor(e), err)
	}

	if ms, _ := set.Match(ctx, prCreated(t, "refs/heads/dev")); len(ms) != 0 {
		t.Errorf("a PR into dev matched %s", matchNames(ms))
	}

	// A tag: mirror matches, audit-tags is disabled.
	tag, err := events.New(events.ReferenceCreated, "git:/srv/git/app.git", events.ReferenceData{
		Repository:        events.Repository{Name: "app", CloneURL: "/srv/git/app.git", Provider: "git"},
		ReferenceFullName: "refs/tags/v1", ReferenceName: "v1", ReferenceType: "tag", CommitID: "abc",
	})
	if err != nil {
		t.Fatal(err)
	}
	ms, errs = set.Match(ctx, tag)
	if got := matchNames(ms); got != "mirror/mirror-eu" || len(errs) > 0 {
		t.Errorf("tag matched %s %v", got, errs)
	}

	// A failed build caused by the PR rule: the context travels on.
	cause := prCreated(t, "refs/heads/main")
	build, err := events.New(events.BuildStateChanged, "codebridge:build", &events.BuildStateData{BuildID: "b-7", Project: "app", Status: "FAILED"})
	if err != nil {
		t.Fatal(err)
	}
	if err := events.MarkCaused(&build, cause, map[string]any{"pullRequestId": "42"}); err != nil {
		t.Fatal(err)
	}
	ms, _ = set.Match(ctx, build)
	if got := matchNames(ms); got != "build-failed/chat" {
		t.Fatalf("build matched %s", got)
	}
	if got, want := string(ms[0].Input), `{"context":{"pullRequestId":"42"},"text":"Build b-7 failed"}`; got != want {
		t.Errorf("chat input %s, want %s", got, want)
	}
	if ms[0].Context["pullRequestId"] != "42" {
		t.Errorf("chat context %v", ms[0].Context)
	}
}

func TestInputTransforms(t *testing.T) {
	e := newEvent(t, "com.example.push", "https://git.example/app", map[string]any{
		"repository": map[string]any{"name": "app"},
		"commits":    []any{map[string]any{"id": "a1", "message": "fix <b>"}, map[string]any{"id": "b2", "message": "feat"}},
		"count":      2,
	})
	e.SetSubject("refs/heads/main")
	e.SetExtension("cbhops", 3)
	tests := []struct {
		input, want string
	}{
		{`"text"`, `"text"`},
		{`1 + 2`, `3`},
		{`event.data.count`, `2`},
		{`event.data.count / 4.0`, `0.5`},
		{`event.data.repository`, `{"name":"app"}`},
		{`event.data.commits.map(c, c.id)`, `["a1","b2"]`},
		{`event.data.commits[0].message`, `"fix <b>"`},
		{`{"id": event.id, "subject": event.subject, "hops": event.extensions.cbhops}`, `{"hops":"3","id":"evt-1","subject":"refs/heads/main"}`},
		{`{1: "one", true: "yes"}`, `{"1":"one","true":"yes"}`},
		{`event.time`, `"2026-05-01T12:00:00Z"`},
		{`duration("90s")`, `"90s"`},
		{`b"hi"`, `"aGk="`},
		{`null`, `null`},
		{`[1, "a", [true]]`, `[1,"a",[true]]`},
		{`event.type.split(".")`, `["com","example","push"]`},
		{`base64.encode(b"x")`, `"eA=="`},
		{`math.greatest(1, 5, 3)`, `5`},
		{`sets.contains([1, 2], [2])`, `true`},
		{`[3, 1, 2].sort()`, `[1,2,3]`},
		{`"%s-%d".format(["a", 1])`, `"a-1"`},
		{`event.context`, `{}`},
		{`{"context": {"pr": "1"}, "body": "hi"}`, `{"body":"hi","context":{"pr":"1"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			set, err := Compile([]RuleSpec{{Name: "r", Match: "true", Targets: []TargetSpec{{Function: "f", Input: tt.input}}}},
				map[string]FunctionConfig{"f": {Type: "x"}}, EngineConfig{})
			if err != nil {
				t.Fatal(err)
			}
			ms, errs := set.Match(context.Background(), e)
			if len(errs) > 0 || len(ms) != 1 {
				t.Fatalf("matches %v errors %v", ms, errs)
			}
			if string(ms[0].Input) != tt.want {
				t.Errorf("input %s, want %s", ms[0].Input, tt.want)
			}
			wantCtx := strings.Contains(tt.want, `"context":{"pr"`)
			if (ms[0].Context != nil) != wantCtx {
				t.Errorf("context %v", ms[0].Context)
			}
		})
	}
}

// TestRuntimeErrors: a rule that fails at run time does not match and is
// reported; the others are evaluated as usual.
func TestRuntimeErrors(t *testing.T) {
	specs := []RuleSpec{
		{Name: "no-such-key", Match: `event.data.missing.x.startsWith("a")`, Targets: []TargetSpec{{Function: "f"}}},
		{Name: "fine", Match: `event.type == "com.example.t"`, Targets: []TargetSpec{{Function: "f"}}},
		{Name: "too-costly", Match: `event.data.items.filter(x, x > 0).size() > 0`, Targets: []TargetSpec{{Function: "f"}}},
		{Name: "bad-input", Match: `event.type == "com.example.t"`, Targets: []TargetSpec{{Function: "f"}, {Function: "f", Input: `event.data.nope`}}},
		{Name: "not-a-bool", Match: `event.data.flag`, Targets: []TargetSpec{{Function: "f"}}},
		{Name: "nan", Match: `true`, Targets: []TargetSpec{{Function: "f", Input: `0.0 / 0.0`}}},
		{Name: "also-fine", Match: `has(event.data.items)`, Targets: []TargetSpec{{Function: "f"}}},
	}
	// The static estimate (1024 items) fits the budget; 20000 items do not.
	set, err := Compile(specs, map[string]FunctionConfig{"f": {Type: "x"}}, EngineConfig{MaxCost: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	items := make([]any, 20000)
	for i := range items {
		items[i] = i
	}
	e := newEvent(t, "com.example.t", "s", map[string]any{"items": items, "flag": "yes"})
	for _, match := range []func(context.Context, events.Event) ([]Match, []error){set.Match, set.MatchAll} {
		ms, errs := match(context.Background(), e)
		if got := matchNames(ms); got != "fine/f also-fine/f" {
			t.Errorf("matches %s", got)
		}
		var got []string
		for _, err := range errs {
			var ee *EvalError
			if !errors.As(err, &ee) {
				t.Fatalf("error %T %v, want *EvalError", err, err)
			}
			got = append(got, ee.Rule+" "+ee.Field)
		}
		want := "no-such-key match|too-costly match|bad-input targets[1].input|not-a-bool match|nan targets[0].input"
		if strings.Join(got, "|") != want {
			t.Errorf("errors %q\nwant %s\n%v", got, want, errs)
		}
		for _, err := range errs {
			if strings.HasPrefix(err.Error(), "rules: evaluate too-costly: match: ") && !strings.Contains(err.Error(), "cost") {
				t.Errorf("cost error %v", err)
			}
		}
	}
}

func TestDisabledAndScheduled(t *testing.T) {
	specs := []RuleSpec{
		{Name: "on", Match: `true`, Targets: []TargetSpec{{Function: "f"}}},
		{Name: "off", Match: `true`, Disabled: true, Targets: []TargetSpec{{Function: "f"}}},
		{Name: "off-indexed", Match: `event.type == "t.t"`, Disabled: true, Targets: []TargetSpec{{Function: "f"}}},
		{Name: "cron", Schedule: "cron(0 3 * * *)", Targets: []TargetSpec{{Function: "f", Input: `{"at": "night"}`}}},
	}
	set, err := Compile(specs, map[string]FunctionConfig{"f": {Type: "x"}}, EngineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEvent(t, "t.t", "s", nil)
	for _, match := range []func(context.Context, events.Event) ([]Match, []error){set.Match, set.MatchAll} {
		if ms, errs := match(context.Background(), e); matchNames(ms) != "on/f" || len(errs) > 0 {
			t.Errorf("matches %s %v", matchNames(ms), errs)
		}
	}
	// The scheduler fires the scheduled rule itself.
	ms, err := set.Rule("cron").Fire(context.Background(), e)
	if err != nil || len(ms) != 1 || string(ms[0].Input) != `{"at":"night"}` {
		t.Errorf("fire: %v %v", ms, err)
	}
}

// TestEventShape checks what rules see of an event.
func TestEventShape(t *testing.T) {
	withText := newEvent(t, "com.example.text", "s", nil)
	if err := withText.SetData("text/plain", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	badJSON := newEvent(t, "com.example.bad", "s", nil)
	badJSON.SetDataContentType("application/json")
	badJSON.DataEncoded = []byte("{not json")
	noData := newEvent(t, "com.example.none", "s", nil)
	caused := newEvent(t, "com.example.caused", "s", map[string]any{"ok": true})
	if err := events.MarkCaused(&caused, noData, map[string]any{"pr": "9"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		e     events.Event
		match string
	}{
		{"text data is a string", withText, `event.data == "hello"`},
		{"invalid JSON is a string", badJSON, `event.data == "{not json"`},
		{"no data is an empty map", noData, `event.data == {} && !has(event.data.x)`},
		{"attributes", noData, `event.id == "evt-1" && event.source == "s" && event.subject == "" && event.type == "com.example.none"`},
		{"time is a timestamp", noData, `event.time == timestamp("2026-05-01T12:00:00Z")`},
		{"extensions are strings", caused, `event.extensions.cbhops == "1" && event.extensions.cbcause == "evt-1"`},
		{"context is parsed", caused, `event.context.pr == "9"`},
		{"no context is an empty map", noData, `size(event.context) == 0`},
		{"index syntax", caused, `event["data"]["ok"] == true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// An input of its own: invalid JSON data cannot be written
			// as the default CloudEvents JSON input.
			set, err := Compile([]RuleSpec{{Name: "r", Match: tt.match, Targets: []TargetSpec{{Function: "f", Input: "1"}}}},
				map[string]FunctionConfig{"f": {Type: "x"}}, EngineConfig{})
			if err != nil {
				t.Fatal(err)
			}
			ms, errs := set.Match(context.Background(), tt.e)
			if len(ms) != 1 || len(errs) > 0 {
				t.Errorf("%s did not match: %v", tt.match, errs)
			}
		})
	}
}

func TestMatchCancelled(t *testing.T) {
	set := goodSet(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ms, errs := set.Match(ctx, prCreated(t, "refs/heads/main"))
	if len(ms) != 0 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("matches %v errors %v", ms, errs)
	}
	if _, err := set.Rule("nightly").Fire(ctx, prCreated(t, "x")); !errors.Is(err, context.Canceled) {
		t.Errorf("fire: %v", err)
	}
}

func TestEmptySet(t *testing.T) {
	var s *Set
	if ms, errs := s.Match(context.Background(), newEvent(t, "a.b", "s", nil)); ms != nil || errs != nil {
		t.Error("nil set matched")
	}
	if s.Len() != 0 || s.Rules() != nil || s.Rule("x") != nil {
		t.Error("nil set has rules")
	}
}

// TestConcurrentMatch: one Set serves many goroutines (run with -race).
func TestConcurrentMatch(t *testing.T) {
	set := goodSet(t)
	e := prCreated(t, "refs/heads/main")
	want, _ := set.Match(context.Background(), e)
	done := make(chan string)
	for range 8 {
		go func() {
			for range 50 {
				ms, _ := set.Match(context.Background(), e)
				if matchNames(ms) != matchNames(want) || string(ms[0].Input) != string(want[0].Input) {
					done <- matchNames(ms)
					return
				}
			}
			done <- ""
		}()
	}
	for range 8 {
		if got := <-done; got != "" {
			t.Errorf("concurrent match %s, want %s", got, matchNames(want))
		}
	}
}
