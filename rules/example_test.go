package rules_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/rules"
)

func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "rules-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "codebridge.yaml")
	_ = os.WriteFile(path, []byte(`
functions:
  ci: { type: build, timeout: 30m }
rules:
  - name: build-main
    match: >-
      event.type == "dev.codebridge.repository.referenceUpdated" &&
      event.data.referenceFullName == "refs/heads/main"
    targets:
      - function: ci
        input: '{"commit": event.data.commitId}'
`), 0o600)

	c, err := rules.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	e, _ := events.New(events.ReferenceUpdated, "git:/srv/git/app.git", events.ReferenceData{
		Repository:        events.Repository{Name: "app", CloneURL: "/srv/git/app.git"},
		ReferenceFullName: "refs/heads/main", ReferenceName: "main", ReferenceType: "branch",
		CommitID: "9fceb02", OldCommitID: "1b2e1d6",
	})
	matches, errs := c.RuleSet().Match(context.Background(), e)
	for _, m := range matches {
		fmt.Println(m.Rule, "->", m.Function, string(m.Input))
	}
	fmt.Println("errors:", len(errs))
	fmt.Println("timeout:", c.Functions["ci"].Timeout.D())
	// Output:
	// build-main -> ci {"commit":"9fceb02"}
	// errors: 0
	// timeout: 30m0s
}

func ExampleParse_errors() {
	_, err := rules.Parse("codebridge.yaml", []byte(`
functions:
  pr-bot: { type: prcomment, token: "${GITHUB_TOKEN}" }
rules:
  - name: validate-pr
    match: >-
      event.type == "dev.codebridge.repository.pullRequestCreated" &&
      evnt.data.destinationReference == "refs/heads/main"
    targets:
      - function: ci
`), func(string) (string, bool) { return "", false })
	fmt.Println(err)
	// Output:
	// codebridge.yaml:3:38: functions.pr-bot.token: ${GITHUB_TOKEN}: environment variable GITHUB_TOKEN is not set
	// codebridge.yaml:8:7: rule "validate-pr": match: ERROR: undeclared reference to 'evnt' (in container '')
	// codebridge.yaml:10:19: rule "validate-pr": targets[0].function: unknown function "ci" (declared: pr-bot)
}

func ExampleCompile() {
	set, err := rules.Compile([]rules.RuleSpec{{
		Name:    "failed-builds",
		Match:   `event.type == "dev.codebridge.build.stateChanged" && event.data.status in ["FAILED", "TIMED_OUT"]`,
		Targets: []rules.TargetSpec{{Function: "chat", Input: `{"text": event.data.project + " " + event.data.status.lowerAscii()}`}},
	}}, map[string]rules.FunctionConfig{"chat": {Type: "notify"}}, rules.EngineConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	e, _ := events.New(events.BuildStateChanged, "codebridge:build", &events.BuildStateData{BuildID: "b-1", Project: "app", Status: "TIMED_OUT"})
	matches, _ := set.Match(context.Background(), e)
	fmt.Println(matches[0].Function, string(matches[0].Input))
	// Output:
	// chat {"text":"app timed_out"}
}
