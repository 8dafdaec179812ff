package replicate

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/internal/natstest"
)

// smartHTTP serves bare repositories under dir over HTTPS with git's own
// smart HTTP server (git http-backend, as CGI), behind HTTP basic auth.
type smartHTTP struct {
	srv    *httptest.Server
	caFile string

	mu       sync.Mutex
	authOK   int      // requests that carried the right credentials
	rawPaths []string // every request's path and query, to look for leaks
}

func startSmartHTTP(t *testing.T, dir, user, password string) *smartHTTP {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	h := &smartHTTP{}
	backend := &cgi.Handler{
		Path: gitBin, Args: []string{"http-backend"}, Root: "/git",
		Env: []string{"GIT_PROJECT_ROOT=" + dir, "GIT_HTTP_EXPORT_ALL=1"},
	}
	h.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.rawPaths = append(h.rawPaths, r.URL.RequestURI())
		u, p, ok := r.BasicAuth()
		good := ok && u == user && p == password
		if good {
			h.authOK++
		}
		h.mu.Unlock()
		if !good {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(h.srv.Close)
	h.caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.srv.Certificate().Raw})
	if err := os.WriteFile(h.caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *smartHTTP) stats() (int, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.authOK, strings.Join(h.rawPaths, "\n")
}

// TestHTTPSTokenStaysSecret pushes to an HTTPS target that requires the
// token: it arrives as basic auth through GIT_ASKPASS, and neither it nor
// the URL's user information appear on git's command line, in events, in
// errors, in the status or in the log.
func TestHTTPSTokenStaysSecret(t *testing.T) {
	t.Parallel()
	const token = "tok-Secret-7d1f0c2a"
	const engineSecret = "engine-secret-91b3"
	js := natstest.Start(t).JS
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "EVENTS", Subjects: []string{events.SubjectPrefix + ">"}}); err != nil {
		t.Fatal(err)
	}
	rs := newRepoSet(t)
	served := filepath.Join(rs.dir, "https")
	git(t, rs.dir, "init", "--quiet", "--bare", filepath.Join(served, "app.git"))
	git(t, filepath.Join(served, "app.git"), "config", "http.receivepack", "true")
	srv := startSmartHTTP(t, served, "mirror-bot", token)

	target := srv.srv.URL + "/git/app.git"
	// The token is in the configuration twice over: the token field, and
	// a user name in the URL.
	c := Config{Targets: []Target{{URL: strings.Replace(target, "https://", "https://mirror-bot@", 1), Name: "eu", Token: token}}}
	gitPath, _ := countingGit(t)
	f, logs := newTestFunction(t, "mirror", c, js, engineSecret)
	f.gitPath = gitPath
	f.extraEnv = []string{"GIT_SSL_CAINFO=" + srv.caFile}

	res, err := invoke(t, f, invocation(refEvent(t, rs.src, "main", rs.commit(t, "main"))))
	if err != nil {
		t.Fatalf("push over HTTPS with the token: %v\nlog:\n%s", err, logs)
	}
	if ok, _ := srv.stats(); ok == 0 {
		t.Fatal("the server never saw the right credentials")
	}
	if want, got := refs(t, rs.src), refs(t, filepath.Join(served, "app.git")); !sameRefs(t, want, filepath.Join(served, "app.git")) {
		t.Fatalf("HTTPS target differs:\n%s\nvs\n%s", fmtRefs(want), fmtRefs(got))
	}
	d := replicationData(t, byTarget(t, res.Events)["eu"])
	if d.Target != target {
		t.Errorf("event target %q, want %q (no user information)", d.Target, target)
	}

	// A wrong token is refused; the failure is reported without it.
	const wrong = "tok-Wrong-55e0aa"
	c.Targets[0].Token = wrong
	bad, badLogs := newTestFunction(t, "mirror", c, js, engineSecret)
	bad.gitPath = gitPath
	bad.extraEnv = f.extraEnv
	rs.commit(t, "main")
	_, invErr := invoke(t, bad, invocation(refEvent(t, rs.src, "main", rs.commit(t, "main"))))
	if invErr == nil {
		t.Fatal("push with a wrong token succeeded")
	}
	t.Logf("wrong token: %v", invErr)

	status, err := Status(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	_, paths := srv.stats()
	var published strings.Builder
	for _, e := range streamEvents(t, js, "EVENTS") {
		published.Write(e.Data())
	}
	var evData strings.Builder
	for _, e := range res.Events {
		evData.Write(e.Data())
	}
	places := map[string]string{
		"error":             invErr.Error(),
		"events":            evData.String(),
		"published events":  published.String(),
		"status":            strings.Join(statusStrings(status), "\n"),
		"log":               logs.String() + badLogs.String(),
		"git command lines": runLog(gitPath),
		"request URLs":      paths,
	}
	for where, text := range places {
		for _, secret := range []string{token, wrong, "mirror-bot@"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contain %q:\n%s", where, secret, text)
			}
		}
	}
	if !strings.Contains(published.String(), `"error"`) {
		t.Errorf("no failed event was published: %s", published.String())
	}
}

func statusStrings(list []TargetStatus) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Target+" "+s.URL+" "+s.LastError+" "+s.Repository)
	}
	return out
}
