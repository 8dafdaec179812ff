package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunLocal(t *testing.T) {
	t.Setenv("CB_LOCAL_SECRET", "local-secret-xyz")
	r := newRepo(t)
	r.commit("local", map[string]string{
		"ci/spec.yml": `version: 0.2
env:
  secrets: {TOKEN: env:CB_LOCAL_SECRET}
phases:
  build:
    commands:
      - echo "at $CODEBRIDGE_RESOLVED_SOURCE_VERSION on $CODEBRIDGE_WEBHOOK_HEAD_REF token $TOKEN"
      - mkdir -p out && echo x > out/app
      - cp ` + filepath.Join(mustAbs(t, "../../testdata/buildspecs"), "junit.xml") + ` out/junit.xml
artifacts:
  files: [out/app]
reports:
  unit:
    files: [out/junit.xml]
`,
	})
	head := runGit(t, r.dir, "rev-parse", "HEAD")
	var out strings.Builder
	status, err := RunLocal(context.Background(), r.dir, "ci/spec.yml", &out)
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if status != StatusSucceeded {
		t.Fatalf("status %s\n%s", status, got)
	}
	for _, want := range []string{
		"at " + head + " on refs/heads/main token ***\n",
		"[codebridge] Report unit: 6 tests, 3 passed, 2 failed, 1 skipped (50.00%)\n",
		"[codebridge]   FAIL pkg/calc.TestDiv: division by zero not caught\n",
		"[codebridge] Artifacts (1 files, not uploaded in local mode): out/app\n",
		"[codebridge] Build SUCCEEDED\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "local-secret-xyz") {
		t.Error("secret in output")
	}

	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "buildspec.yml"), []byte("version: 0.2\nphases:\n  build:\n    commands: ['false']\n"), 0o644)
	out.Reset()
	if status, err := RunLocal(context.Background(), bad, "", &out); err != nil || status != StatusFailed {
		t.Errorf("failing build: %s %v\n%s", status, err, out.String())
	}
	if _, err := RunLocal(context.Background(), bad, "missing.yml", &out); err == nil {
		t.Error("missing buildspec: no error")
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
