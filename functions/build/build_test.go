package build

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

func junitFixture(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "buildspecs", "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBuildPasses(t *testing.T) {
	e := startEnv(t)
	f := newFunction(t, e, "publicURL: http://ci.example")
	r := newRepo(t)
	commit := r.commit("first", map[string]string{"buildspec.yml": passingSpec, "junit.xml": junitFixture(t)})
	ev := pushEvent(t, r, "main", commit)
	res, err := f.Invoke(context.Background(), invocation(ev))
	if err != nil {
		t.Fatal(err)
	}
	d := finalData(t, res)
	if d.Status != StatusSucceeded || d.BuildID != "app-1" || d.BuildNumber != 1 || d.CommitID != commit {
		t.Fatalf("final = %+v", d)
	}
	if d.TriggerEventID != ev.ID() || d.Context["pr"] != "7" {
		t.Errorf("caused = %+v", d.Caused)
	}
	if d.LogURL != "http://ci.example/api/builds/app-1/logs" || d.BadgeURL != "http://ci.example/badges/app/main.svg" {
		t.Errorf("urls = %s %s", d.LogURL, d.BadgeURL)
	}
	if len(d.Reports) != 1 || d.Reports[0].Total != 6 || d.Reports[0].Failed != 2 || d.Reports[0].PassRate != 50 {
		t.Errorf("reports = %+v", d.Reports)
	}
	log := logOf(t, f, "app-1")
	if !strings.Contains(log, "hello from out 1.0.1 on refs/heads/main by alice\n") {
		t.Errorf("log:\n%s", log)
	}

	// Live events: IN_PROGRESS and the phases, stamped with the cause.
	testwait.For(t, 5*time.Second, "five events of app-1", func() bool { return len(e.published("app-1")) >= 5 })
	var kinds []string
	for _, pe := range e.published("app-1") {
		var x struct{ Status, Phase string }
		json.Unmarshal(pe.Data(), &x)
		kinds = append(kinds, strings.TrimPrefix(pe.Type(), events.Namespace+"build.")+":"+x.Phase+":"+x.Status)
		if events.Cause(pe) != ev.ID() || events.Context(pe)["pr"] != "7" {
			t.Errorf("event %s not stamped with its cause", pe.ID())
		}
	}
	want := "stateChanged::IN_PROGRESS phaseChanged:install:IN_PROGRESS phaseChanged:install:SUCCEEDED phaseChanged:build:IN_PROGRESS phaseChanged:build:SUCCEEDED"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("published = %s\nwant %s", got, want)
	}

	// The HTTP API.
	srv := httpServer(t, f)
	var list BuildList
	getJSON(t, srv.URL+"/api/builds?project=app", &list)
	if len(list.Builds) != 1 || list.Builds[0].ID != "app-1" || list.Builds[0].Exported["VERSION"] != "1.0.1" {
		t.Fatalf("list = %+v", list)
	}
	var rec Record
	getJSON(t, srv.URL+"/api/builds/app-1", &rec)
	if rec.Status != StatusSucceeded || len(rec.Phases) != 2 || rec.Phases[1].Name != "build" || rec.Artifacts == nil || rec.Artifacts.Files != 1 {
		t.Errorf("record = %+v", rec)
	}
	body := get(t, srv.URL+"/api/builds/app-1/logs", http.StatusOK)
	if !strings.Contains(body, "hello from out") {
		t.Errorf("logs = %s", body)
	}
	zb := get(t, srv.URL+"/api/builds/app-1/artifacts", http.StatusOK)
	zr, err := zip.NewReader(strings.NewReader(zb), int64(len(zb)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "app.bin" {
		t.Fatalf("zip = %v", zr.File)
	}
	rc, _ := zr.File[0].Open()
	content, _ := io.ReadAll(rc)
	if string(content) != "binary 1.0.1\n" {
		t.Errorf("app.bin = %q", content)
	}
	if svg := get(t, srv.URL+"/badges/app/main.svg", http.StatusOK); !strings.Contains(svg, "passing") {
		t.Errorf("badge = %s", svg)
	}
	if svg := get(t, srv.URL+"/badges/app/other.svg", http.StatusOK); !strings.Contains(svg, "unknown") {
		t.Errorf("badge = %s", svg)
	}
	get(t, srv.URL+"/api/builds/nope-1", http.StatusNotFound)
	get(t, srv.URL+"/api/builds?limit=x", http.StatusBadRequest)
	post(t, srv.URL+"/api/builds/app-1/stop", http.StatusConflict)

	// A redelivery of the same invocation does not build again.
	again, err := f.Invoke(context.Background(), invocation(ev))
	if err != nil || finalData(t, again).BuildID != "app-1" {
		t.Errorf("redelivery built again: %v %v", err, again.Events)
	}
}

func TestBadgeCacheHeaders(t *testing.T) {
	f := newFunction(t, startEnv(t), "")
	srv := httpServer(t, f)
	if body := get(t, srv.URL+"/api/builds", http.StatusOK); strings.TrimSpace(body) != `{"builds":[]}` {
		t.Errorf("empty list = %s", body)
	}
	resp, err := http.Get(srv.URL + "/badges/app/feature/x.svg")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Cache-Control") != "no-cache, max-age=0" || resp.Header.Get("ETag") == "" || resp.Header.Get("Content-Type") != "image/svg+xml;charset=utf-8" {
		t.Errorf("headers = %v", resp.Header)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/badges/app/feature/x.svg", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET = %d", resp2.StatusCode)
	}
}

func TestBuildFailsFinallyRuns(t *testing.T) {
	e := startEnv(t)
	f := newFunction(t, e, "")
	r := newRepo(t)
	commit := r.commit("broken", map[string]string{"buildspec.yml": `version: 0.2
phases:
  build:
    commands:
      - echo compiling
      - exit 2
      - echo unreachable
    finally:
      - echo cleaning up
  post_build:
    commands:
      - echo post succeeding=$CODEBRIDGE_BUILD_SUCCEEDING
`})
	res, err := f.Invoke(context.Background(), invocation(pushEvent(t, r, "main", commit)))
	if err != nil {
		t.Fatal(err)
	}
	d := finalData(t, res)
	if d.Status != StatusFailed || !strings.Contains(d.Message, "exit 2: exit status 2") {
		t.Errorf("final = %s %q", d.Status, d.Message)
	}
	log := logOf(t, f, d.BuildID)
	for _, want := range []string{"compiling\n", "cleaning up\n", "post succeeding=0\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "unreachable\n") {
		t.Error("a command after the failure ran")
	}
	srv := httpServer(t, f)
	if svg := get(t, srv.URL+"/badges/app/main.svg", http.StatusOK); !strings.Contains(svg, "failing") {
		t.Errorf("badge = %s", svg)
	}
}

func TestBuildspecErrorFailsBuild(t *testing.T) {
	f := newFunction(t, startEnv(t), "")
	r := newRepo(t)
	commit := r.commit("bad", map[string]string{"buildspec.yml": "version: 0.2\nphases:\n  biuld:\n    commands: [x]\n"})
	res, err := f.Invoke(context.Background(), invocation(pushEvent(t, r, "main", commit)))
	if err != nil {
		t.Fatal(err)
	}
	if d := finalData(t, res); d.Status != StatusFailed || d.Message != "buildspec.yml:3:3: phases.biuld: is not a phase (install, pre_build, build, post_build)" {
		t.Errorf("final = %s %q", d.Status, d.Message)
	}
}

func pidGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] == "Z"
}

func TestBuildTimesOut(t *testing.T) {
	e := startEnv(t)
	pidFile := filepath.Join(t.TempDir(), "bg.pid")
	f := newFunction(t, e, "timeout: 1s\nenvironment: {PIDFILE: "+pidFile+"}")
	r := newRepo(t)
	commit := r.commit("slow", map[string]string{"buildspec.yml": `version: 0.2
phases:
  build:
    commands:
      - sleep 300 & echo $! > "$PIDFILE"
      - sleep 300
`})
	res, err := f.Invoke(context.Background(), invocation(pushEvent(t, r, "main", commit)))
	if err != nil {
		t.Fatal(err)
	}
	d := finalData(t, res)
	if d.Status != StatusTimedOut || d.Message != "build timed out after 1s" {
		t.Fatalf("final = %s %q", d.Status, d.Message)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	testwait.For(t, 5*time.Second, "the build's process to exit", func() bool { return pidGone(pid) })
}

func TestBuildStoppedViaAPI(t *testing.T) {
	e := startEnv(t)
	f := newFunction(t, e, "")
	srv := httpServer(t, f)
	r := newRepo(t)
	commit := r.commit("long", map[string]string{"buildspec.yml": "version: 0.2\nphases:\n  build:\n    commands: ['echo running; sleep 300']\n"})
	done := make(chan functions.Result, 1)
	go func() {
		res, err := f.Invoke(context.Background(), invocation(pushEvent(t, r, "main", commit)))
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	testwait.For(t, 10*time.Second, "the build to log running", func() bool { return strings.Contains(logOfQuiet(f, "app-1"), "running\n") })

	// A follower sees the lines so far and the end.
	follow := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", srv.URL+"/api/builds/app-1/logs", nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			follow <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		follow <- string(b)
	}()
	post(t, srv.URL+"/api/builds/app-1/stop", http.StatusAccepted)
	res := <-done
	if d := finalData(t, res); d.Status != StatusStopped || d.Message != "stopped by request" {
		t.Errorf("final = %s %q", d.Status, d.Message)
	}
	sse := <-follow
	if !strings.Contains(sse, "data: running\n\n") || !strings.HasSuffix(sse, "event: end\ndata: STOPPED\n\n") {
		t.Errorf("sse = %q", sse)
	}
	post(t, srv.URL+"/api/builds/app-9/stop", http.StatusNotFound)
}

func logOfQuiet(f *Function, id string) string {
	st, err := f.store(context.Background())
	if err != nil {
		return ""
	}
	var b strings.Builder
	st.readLogs(context.Background(), id, false, nil, func(l string) error { b.WriteString(l + "\n"); return nil })
	return b.String()
}

func TestArtifactsAndCacheRoundTrip(t *testing.T) {
	e := startEnv(t)
	f := newFunction(t, e, "")
	r := newRepo(t)
	spec := `version: 0.2
phases:
  build:
    commands:
      - if [ -f .cache/stamp ]; then echo "cache hit $(cat .cache/stamp)"; else echo "cache miss"; mkdir -p .cache/deep && echo "$CODEBRIDGE_RESOLVED_SOURCE_VERSION" > .cache/stamp && echo x > .cache/deep/blob; fi
      - mkdir -p dist/js && echo a > dist/js/a.js && echo b > dist/b.css
cache:
  paths: ['.cache/**/*']
artifacts:
  files: ['dist/**/*.js', 'dist/*.css']
  discard-paths: yes
  name: web
`
	c1 := r.commit("one", map[string]string{"buildspec.yml": spec})
	res, err := f.Invoke(context.Background(), invocation(pushEvent(t, r, "main", c1)))
	if err != nil || finalData(t, res).Status != StatusSucceeded {
		t.Fatalf("first build: %v %+v", err, res.Events)
	}
	if log := logOf(t, f, "app-1"); !strings.Contains(log, "cache miss\n") {
		t.Errorf("first log:\n%s", log)
	}
	// A feature branch has no cache of its own: it starts from main's.
	c2 := r.commit("two", nil)
	res, err = f.Invoke(context.Background(), invocation(pushEvent(t, r, "feature", c2)))
	if err != nil || finalData(t, res).Status != StatusSucceeded {
		t.Fatalf("second build: %v", err)
	}
	if log := logOf(t, f, "app-2"); !strings.Contains(log, "cache hit "+c1+"\n") || !strings.Contains(log, "Restored the cache of branch main (2 files)") {
		t.Errorf("second log:\n%s", log)
	}
	srv := httpServer(t, f)
	resp, err := http.Get(srv.URL + "/api/builds/app-2/artifacts")
	if err != nil {
		t.Fatal(err)
	}
	zb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="web.zip"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, zf := range zr.File {
		names = append(names, zf.Name)
	}
	if strings.Join(names, ",") != "a.js,b.css" {
		t.Errorf("artifact files = %v", names)
	}
}

func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(get(t, url, http.StatusOK)), v); err != nil {
		t.Fatal(err)
	}
}

func get(t testing.TB, url string, code int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != code {
		t.Fatalf("GET %s = %d, want %d: %s", url, resp.StatusCode, code, b)
	}
	return string(b)
}

func post(t testing.TB, url string, code int) string {
	t.Helper()
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != code {
		t.Fatalf("POST %s = %d, want %d: %s", url, resp.StatusCode, code, b)
	}
	return string(b)
}
