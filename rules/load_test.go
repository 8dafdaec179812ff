package rules

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadGood(t *testing.T) {
	c, err := parseFile(t, "good.yaml")
	if err != nil {
		t.Fatalf("good.yaml:\n%v", err)
	}
	if c.Server.HTTP != "127.0.0.1:8080" || c.Server.MaxEventBytes != DefaultMaxEventBytes {
		t.Errorf("server = %+v", c.Server)
	}
	if c.NATS.Listen == nil || *c.NATS.Listen != DefaultNATSListen {
		t.Errorf("nats.listen = %v, want the default", c.NATS.Listen)
	}
	wantRetry := RetryPolicy{MaxAttempts: 10, MaxAge: Duration(24 * time.Hour), BaseDelay: Duration(time.Second), MaxDelay: Duration(time.Minute)}
	if c.Engine.Retry != wantRetry || c.Engine.MaxCost != DefaultMaxCost || c.Engine.EventMaxAge.D() != 7*24*time.Hour {
		t.Errorf("engine = %+v", c.Engine)
	}
	if got := c.Sources.GitHub.Secret; got != testEnv["GITHUB_WEBHOOK_SECRET"] {
		t.Errorf("sources.github.secret = %q", got)
	}
	if p := c.Sources.Poll; len(p) != 1 || p[0].Interval.D() != 30*time.Second {
		t.Errorf("sources.poll = %+v", p)
	}
	ci := c.Functions["ci"]
	if ci.Type != "build" || ci.Timeout.D() != 30*time.Minute || ci.Concurrency != DefaultConcurrency {
		t.Errorf("functions.ci = %+v", ci)
	}
	if m := c.Functions["mirror-eu"]; m.Concurrency != 1 || m.Timeout != 0 { // unset: the engine applies the type's default
		t.Errorf("functions.mirror-eu = %+v", m)
	}
	if at := c.Functions["pr-bot"].At(); at != "good.yaml:19:14" {
		t.Errorf("functions.pr-bot at %s", at)
	}
	wantSecrets := []string{testEnv["GITHUB_WEBHOOK_SECRET"], testEnv["GITEA_WEBHOOK_SECRET"], testEnv["GITHUB_TOKEN"], testEnv["SLACK_WEBHOOK_URL"]}
	if !slices.Equal(c.Secrets(), wantSecrets) {
		t.Errorf("secrets = %q, want %q", c.Secrets(), wantSecrets)
	}
	set := c.RuleSet()
	if set.Len() != 5 {
		t.Fatalf("%d rules", set.Len())
	}
	var names []string
	for _, r := range set.Rules() {
		names = append(names, r.Name())
	}
	if got := strings.Join(names, " "); got != "validate-pr mirror build-failed audit-tags nightly" {
		t.Errorf("rules = %s", got)
	}
	if r := set.Rule("nightly"); r.Schedule() != "cron(0 3 * * *)" || r.ParsedSchedule() == nil {
		t.Errorf("nightly schedule = %q", r.Schedule())
	}
	if !set.Rule("audit-tags").Disabled() {
		t.Error("audit-tags is not disabled")
	}
	if p := set.Rule("mirror").Spec.Pos; p != (Position{File: "good.yaml", Line: 35, Column: 5}) {
		t.Errorf("mirror at %v", p)
	}
	// Retry: target over rule over engine.
	mirror := set.Rule("mirror").targets[0].retry
	if want := (RetryPolicy{MaxAttempts: 50, MaxAge: Duration(24 * time.Hour), BaseDelay: Duration(2 * time.Second), MaxDelay: Duration(time.Minute)}); mirror != want {
		t.Errorf("mirror retry = %+v, want %+v", mirror, want)
	}
	if got := set.Rule("validate-pr").targets[1].retry.MaxAttempts; got != 185 {
		t.Errorf("validate-pr ci maxAttempts = %d, want the rule's 185", got)
	}
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, "")
	want := Config{
		Path:   "test.yaml",
		Server: ServerConfig{HTTP: DefaultHTTP, DataDir: DefaultDataDir, MaxEventBytes: DefaultMaxEventBytes, MaxWebhookBytes: DefaultMaxWebhookBytes},
		NATS:   NATSConfig{Replicas: 1},
		Engine: EngineConfig{
			HopLimit: 16, EventMaxAge: Duration(7 * 24 * time.Hour), DuplicateWindow: Duration(2 * time.Minute),
			Retry:   RetryPolicy{MaxAttempts: 185, MaxAge: Duration(24 * time.Hour), BaseDelay: Duration(time.Second), MaxDelay: Duration(5 * time.Minute)},
			MaxCost: 1_000_000,
		},
	}
	if *c.NATS.Listen != "127.0.0.1:4222" {
		t.Errorf("nats.listen = %q", *c.NATS.Listen)
	}
	got := *c
	got.NATS.Listen, got.secrets, got.set, got.fields = nil, nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
	if c.RuleSet().Len() != 0 {
		t.Error("rules in an empty file")
	}

	// An explicit "" keeps the embedded server in-process.
	c = mustParse(t, "nats: { listen: \"\" }\n")
	if c.NATS.Listen == nil || *c.NATS.Listen != "" {
		t.Errorf("nats.listen = %v, want \"\"", c.NATS.Listen)
	}
}

// buildConfig is what a function type's factory decodes its block into.
type buildConfig struct {
	Buildspec  string            `yaml:"buildspec"`
	Image      string            `yaml:"image"`
	Env        map[string]string `yaml:"env"`
	Privileged bool              `yaml:"privileged"`
	Cache      *struct {
		Paths []string `yaml:"paths"`
	} `yaml:"cache"`
}

func TestFunctionDecode(t *testing.T) {
	c := mustParse(t, `
functions:
  ci:
    type: build
    timeout: 10m
    concurrency: 2
    buildspec: ci/buildspec.yml
    env: { TOKEN: "${GITHUB_TOKEN}", PLAIN: "x" }
    privileged: "true"
    cache: { paths: [ /root/.cache ] }
  typo:
    type: build
    buildspek: x
    env: { TOKEN: [ "${GITHUB_TOKEN}" ] }
`)
	var bc buildConfig
	if err := c.Functions["ci"].Decode(&bc); err != nil {
		t.Fatal(err)
	}
	if bc.Buildspec != "ci/buildspec.yml" || bc.Env["TOKEN"] != testEnv["GITHUB_TOKEN"] || !bc.Privileged || bc.Cache == nil || bc.Cache.Paths[0] != "/root/.cache" {
		t.Errorf("decoded %+v", bc)
	}
	if n := c.Functions["ci"].Node(); len(n.Content) != 8 {
		t.Errorf("the function's own block has %d nodes, want 4 keys without type, timeout, concurrency", len(n.Content))
	}

	err := c.Functions["typo"].Decode(&bc)
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("error %v, want *LoadError", err)
	}
	want := `test.yaml:13:5: functions.typo: unknown field "buildspek" (known: buildspec, image, env, privileged, cache)
test.yaml:14:19: functions.typo.env.TOKEN: want a string, got a list`
	if err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}

	// A FunctionConfig built in Go has nothing to decode.
	if err := (FunctionConfig{Type: "build"}).Decode(&bc); err != nil {
		t.Error(err)
	}
	if err := c.Functions["ci"].Decode(bc); err == nil {
		t.Error("Decode into a non-pointer did not fail")
	}
}

func TestDecodeYAMLFeatures(t *testing.T) {
	// Anchors, aliases and merge keys work, a merged key may be
	// overridden, and an alias is expanded once even when used twice.
	c := mustParse(t, `
functions:
  ci: &fn { type: build, timeout: 1m, image: "$${HOME}" }
  ci2:
    <<: *fn
    timeout: 2m
rules:
  - name: r
    match: event.type == "a.b"
    retry: &retry { maxAttempts: 5, maxAge: 1h }
    targets: [ { function: ci2, retry: { <<: *retry, maxAge: 2h } }, { function: ci, retry: *retry } ]
`)
	ci2 := c.Functions["ci2"]
	if ci2.Type != "build" || ci2.Timeout.D() != 2*time.Minute {
		t.Errorf("ci2 = %+v", ci2)
	}
	var bc buildConfig
	if err := ci2.Decode(&bc); err != nil || bc.Image != "${HOME}" {
		t.Errorf("ci2 image = %q, %v; want the literal ${HOME}", bc.Image, err)
	}
	tg := c.RuleSet().Rule("r").targets
	if tg[0].retry.MaxAttempts != 5 || tg[0].retry.MaxAge.D() != 2*time.Hour || tg[1].retry.MaxAge.D() != time.Hour {
		t.Errorf("retries %+v %+v", tg[0].retry, tg[1].retry)
	}

	bad := []struct{ yaml, want string }{
		{"server: { http: a, http: b }\n", `test.yaml:1:20: server: duplicate key "http"`},
		{"functions: { ci: { type: a, type: b } }\n", `test.yaml:1:29: functions.ci: duplicate key "type"`},
		{"functions: [ ci ]\n", `test.yaml:1:12: functions: want a mapping, got a list`},
		{"functions: { ci: build }\n", `test.yaml:1:18: functions.ci: want a mapping with at least a type, got a scalar (!!str)`},
		{"- a\n", `test.yaml:1:1: want a mapping at the top level, got a list`},
		{"nats: { replicas: 1.5 }\n", `test.yaml:1:19: nats.replicas: want an integer, got !!float`},
		{"engine: { eventMaxAge: soon }\n", `test.yaml:1:24: engine.eventMaxAge: invalid duration "soon" (use 30s, 5m, 24h or 7d)`},
		{"rules: { name: x }\n", `test.yaml:1:8: rules: want a list, got a mapping`},
		// Billion laughs: aliases of aliases are refused, not expanded.
		{laughs(), "test.yaml:2:5: server: document too large or too many alias expansions"},
	}
	for _, tt := range bad {
		_, err := Parse("test.yaml", []byte(tt.yaml), lookup(testEnv))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q:\n got %v\nwant %s", tt.yaml, err, tt.want)
		}
	}
}

// laughs returns a small document whose merge keys expand to 2^40 keys.
func laughs() string {
	var b strings.Builder
	b.WriteString("pipelines:\n  - &m0 { http: a }\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  - &m%d { <<: [ *m%d, *m%d ] }\n", i, i-1, i-1)
	}
	b.WriteString("server: { <<: *m40 }\n")
	return b.String()
}

func TestDecodePipelines(t *testing.T) {
	type action struct {
		Name     string `yaml:"name"`
		RunOrder int    `yaml:"runOrder"`
	}
	type stage struct {
		Name    string   `yaml:"name"`
		Actions []action `yaml:"actions"`
	}
	type pipeline struct {
		Name   string  `yaml:"name"`
		Stages []stage `yaml:"stages"`
	}
	c := mustParse(t, `
pipelines:
  - name: release
    stages:
      - name: build
        actions: [ { name: compile, runOrder: 1 } ]
      - name: deploy
        actions: [ { name: push, runOrdr: 2 } ]
`)
	var ps []pipeline
	err := c.DecodePipelines(&ps)
	want := `test.yaml:8:34: pipelines[0].stages[1].actions[0]: unknown field "runOrdr" (known: name, runOrder)`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	if len(ps) != 1 || ps[0].Stages[0].Actions[0].RunOrder != 1 {
		t.Errorf("decoded %+v", ps)
	}
	if err := mustParse(t, "").DecodePipelines(&ps); err != nil {
		t.Errorf("absent block: %v", err)
	}
}

func TestUnquotedRefInFlowMappingNamesTheFix(t *testing.T) {
	_, err := Parse("c.yaml", []byte("sources:\n  github: { secret: ${GH_SECRET} }\n"), func(string) (string, bool) { return "x", true })
	if err == nil || !strings.Contains(err.Error(), "c.yaml:2:") || !strings.Contains(err.Error(), `must be quoted: "${VAR}"`) {
		t.Errorf("got %v; want line 2 and the quoting hint", err)
	}
	if _, err := Parse("c.yaml", []byte("sources:\n  github: { secret: \"${GH_SECRET}\" }\n"), func(string) (string, bool) { return "x", true }); err != nil {
		t.Errorf("quoted form: %v", err)
	}
}
