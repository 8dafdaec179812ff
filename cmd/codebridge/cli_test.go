package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// cli runs one command line in-process.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "cli", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run go test -update once)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestRulesTestGolden(t *testing.T) {
	code, out, errOut := cli(t, "rules", "test", "--config", "../../testdata/demo/codebridge.yaml", "--event", "../../testdata/demo/events/push-main.json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "rules-test-push-main.json", out)
}

func TestRulesValidate(t *testing.T) {
	code, out, _ := cli(t, "rules", "validate", "../../testdata/demo/codebridge.yaml")
	if code != exitOK || !strings.Contains(out, "ok (2 rules, 2 functions)") {
		t.Errorf("demo config: exit %d, %q", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	writeFile(t, bad, `functions:
  f: { type: exec, command: [ "true" ] }
rules:
  - name: broken
    match: event.type == "x" &&
    targets: [ { function: f } ]
`)
	code, _, errOut := cli(t, "rules", "validate", bad)
	if code != exitFailure || !strings.Contains(errOut, "bad.yaml:5:") || !strings.Contains(errOut, `"broken"`) {
		t.Errorf("bad config: exit %d, stderr %q; want exit 1 naming file:line and the rule", code, errOut)
	}
}

func TestValidateWithEnvPlaceholders(t *testing.T) {
	for _, v := range []string{"SLACK_WEBHOOK_URL", "SMTP_PASSWORD", "ONCALL_WEBHOOK_SECRET"} {
		t.Setenv(v, "") // restored after the test
		os.Unsetenv(v)
	}
	example := "../../testdata/examples/failure-hooks.yaml"
	if code, _, errOut := cli(t, "rules", "validate", example); code != exitFailure || !strings.Contains(errOut, "SLACK_WEBHOOK_URL") {
		t.Errorf("without the variables: exit %d %s; want a failure naming SLACK_WEBHOOK_URL", code, errOut)
	}
	if code, out, errOut := cli(t, "rules", "validate", "--env-placeholders", example); code != exitOK || !strings.Contains(out, "ok (") {
		t.Errorf("with placeholders: exit %d %s %s", code, out, errOut)
	}
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"no-such-command"}, exitUsage},
		{[]string{"serve", "--no-such-flag"}, exitUsage},
		{[]string{"rules", "validate"}, exitUsage},
		{[]string{"rules", "test", "--config", "x"}, exitUsage},
		{[]string{"publish", "--type", "com.example.x"}, exitUsage},
		{[]string{"dlq", "show", "abc"}, exitUsage},
		{[]string{"serve", "--config", "/does/not/exist.yaml"}, exitFailure},
		{[]string{"publish", "--type", "com.example.x", "--source", "/s", "--server", "http://127.0.0.1:1"}, exitFailure},
		{[]string{"--help"}, exitOK},
	}
	for _, c := range cases {
		if code, _, errOut := cli(t, c.args...); code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, errOut)
		}
	}
}

func TestBuildLocal(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "buildspec.yml"), `version: 0.2
env:
  variables: { GREETING: hello }
phases:
  build:
    commands:
      - cd sub 2>/dev/null || mkdir sub && cd sub
      - echo "$GREETING from $(basename "$PWD")"
`)
	code, out, errOut := cli(t, "build", "--local", dir)
	if code != exitOK || !strings.Contains(out, "hello from sub") || !strings.Contains(errOut, "SUCCEEDED") {
		t.Errorf("passing buildspec: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	writeFile(t, filepath.Join(dir, "fail.yml"), "version: 0.2\nphases:\n  build:\n    commands:\n      - exit 7\n")
	code, _, errOut = cli(t, "build", "--local", "--buildspec", filepath.Join(dir, "fail.yml"), dir)
	if code != exitFailure || !strings.Contains(errOut, "FAILED") {
		t.Errorf("failing buildspec: exit %d, stderr %s", code, errOut)
	}
}

// TestREADMEConfigLoads keeps the README's configuration reference true: the
// example must load as written.
func TestREADMEConfigLoads(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "## Configuration")
	block := s[start:]
	block = block[strings.Index(block, "```yaml\n")+len("```yaml\n"):]
	block = block[:strings.Index(block, "```")]
	path := filepath.Join(t.TempDir(), "readme.yaml")
	writeFile(t, path, block)
	for _, v := range []string{"GITHUB_WEBHOOK_SECRET", "GITEA_WEBHOOK_SECRET", "GITLAB_WEBHOOK_TOKEN", "GITHUB_TOKEN", "SLACK_WEBHOOK_URL", "CODEBRIDGE_TOKEN"} {
		t.Setenv(v, "https://example.invalid/"+strings.ToLower(v))
	}
	if code, out, errOut := cli(t, "rules", "validate", path); code != exitOK {
		t.Errorf("README config: exit %d %s %s", code, out, errOut)
	}
}
