package build

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/internal/testwait"
)

// The corpus of shell tricks, each aimed at a canary file.
func corpus(canary string) []string {
	return []string{
		"$(touch " + canary + ")",
		"`touch " + canary + "`",
		"; touch " + canary,
		"x\nKEY=1; touch " + canary,
		"${IFS}touch${IFS}" + canary,
		"' \"; touch " + canary + "; echo '",
	}
}

func TestInjectionCorpusNeverRuns(t *testing.T) {
	e := startEnv(t)
	f := newFunction(t, e, "")
	r := newRepo(t)
	canary := filepath.Join(t.TempDir(), "canary")
	spec := `version: 0.2
phases:
  build:
    commands:
      - echo "ref=$CODEBRIDGE_WEBHOOK_HEAD_REF"
      - echo "title=$CODEBRIDGE_PULL_REQUEST_TITLE"
      - echo "by=$CODEBRIDGE_INITIATOR"
      - git log -1 --format=%B
`
	for i, p := range corpus(canary) {
		commit := r.commit("subject "+p, map[string]string{"buildspec.yml": spec})
		ev := prEvent(t, r, "1"+strings.Repeat("0", i), "feature/"+p, "title "+p, commit)
		res, err := f.Invoke(context.Background(), invocation(ev))
		if err != nil {
			t.Fatalf("payload %q: %v", p, err)
		}
		d := finalData(t, res)
		if d.Status != StatusSucceeded {
			t.Errorf("payload %q: %s %s", p, d.Status, d.Message)
		}
		log := logOf(t, f, d.BuildID)
		// The text arrives intact, as data.
		first := strings.SplitN(p, "\n", 2)[0]
		if !strings.Contains(log, "title=title "+first) || !strings.Contains(log, "ref=refs/heads/feature/"+first) {
			t.Errorf("payload %q not passed through verbatim:\n%s", p, log)
		}
		if _, err := os.Stat(canary); err == nil {
			t.Fatalf("payload %q ran: the canary exists", p)
		}
	}
	// The badge and the log URL escape the branch.
	srv := httpServer(t, f)
	get(t, srv.URL+"/badges/app/"+url.PathEscape("$(touch "+canary+")")+".svg", 200)
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("the canary exists")
	}
}

func TestSecretsMaskedInLogsAndEvents(t *testing.T) {
	const secret = "hunter2-S3cret/value"
	t.Setenv("CB_TEST_BUILD_SECRET", secret)
	e := startEnv(t)
	f := newFunction(t, e, "environment: {CONFIGURED: config-secret-value}")
	r := newRepo(t)
	junit := `<testsuite name="s"><testcase classname="c" name="TestLeak"><failure message="token ` + secret + `"/></testcase></testsuite>`
	commit := r.commit("secret", map[string]string{"junit.xml": junit, "buildspec.yml": `version: 0.2
env:
  secrets:
    TOKEN: env:CB_TEST_BUILD_SECRET
  exported-variables: [LEAK]
phases:
  build:
    commands:
      - echo "plain $TOKEN"
      - printf '%s' "$TOKEN" | base64
      - echo "config $CONFIGURED"
      - LEAK=$TOKEN
      - echo "failing with $TOKEN"; false
reports:
  unit:
    files: [junit.xml]
`})
	res, err := f.Invoke(context.Background(), invocation(pushEvent(t, r, "main", commit)))
	if err != nil {
		t.Fatal(err)
	}
	d := finalData(t, res)
	log := logOf(t, f, d.BuildID)
	forms := []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), url.QueryEscape(secret), "config-secret-value"}
	check := func(where, s string) {
		t.Helper()
		for _, form := range forms {
			if strings.Contains(s, form) {
				t.Errorf("%s contains the secret form %q:\n%s", where, form, s)
			}
		}
	}
	check("log", log)
	if !strings.Contains(log, "plain ***\n") || !strings.Contains(log, "config ***\n") {
		t.Errorf("masked lines missing:\n%s", log)
	}
	b, _ := json.Marshal(res.Events[0])
	check("final event", string(b))
	if d.Status != StatusFailed || len(d.Reports) != 1 || !strings.Contains(d.Reports[0].Failures[0], "token ***") {
		t.Errorf("final = %+v", d)
	}
	testwait.For(t, 5*time.Second, "three events of "+d.BuildID, func() bool { return len(e.published(d.BuildID)) >= 3 })
	for _, pe := range e.published(d.BuildID) {
		b, _ := json.Marshal(pe)
		check("published event", string(b))
	}
	st, _ := f.store(context.Background())
	rec, _, err := st.get(context.Background(), d.BuildID)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := json.Marshal(rec)
	check("record", string(rb))
	if rec.Exported["LEAK"] != "***" {
		t.Errorf("exported = %v", rec.Exported)
	}
}

func TestForkGetsNoSecrets(t *testing.T) {
	t.Setenv("CB_TEST_BUILD_SECRET", "fork-must-not-see")
	f := newFunction(t, startEnv(t), "")
	r := newRepo(t)
	commit := r.commit("fork", map[string]string{"buildspec.yml": "version: 0.2\nenv:\n  secrets: {TOKEN: env:CB_TEST_BUILD_SECRET}\nphases:\n  build:\n    commands: ['echo \"token=[$TOKEN]\"']\n"})
	ev := prEvent(t, r, "5", "feature", "from a fork", commit)
	var d map[string]any
	json.Unmarshal(ev.Data(), &d)
	d["fork"] = true
	ev.SetData("application/json", d)
	res, err := f.Invoke(context.Background(), invocation(ev))
	if err != nil {
		t.Fatal(err)
	}
	log := logOf(t, f, finalData(t, res).BuildID)
	if !strings.Contains(log, "token=[]\n") || !strings.Contains(log, "Secrets are withheld from a build of a fork: [TOKEN]") {
		t.Errorf("log:\n%s", log)
	}
}
