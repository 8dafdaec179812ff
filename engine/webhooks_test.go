package engine

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/webhook"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

// TestGitHubWebhookEndToEnd sends signed and tampered deliveries of GitHub's
// documented push payload through the real HTTP server.
func TestGitHubWebhookEndToEnd(t *testing.T) {
	body, err := os.ReadFile("../testdata/webhooks/github/push.update.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	b := install(t, "sink", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		rec.add(inv)
		return functions.Result{}, nil
	})
	t.Setenv("CB_TEST_GH_SECRET", "new-secret")
	h := startEngine(t, `
sources:
  github: { secrets: [ "old-secret", "${CB_TEST_GH_SECRET}" ] }
functions:
  sink: { type: testfn, behaviour: "`+b+`" }
rules:
  - name: pushes
    match: event.type.startsWith("dev.codebridge.repository.reference")
    targets: [ { function: sink } ]
`, nil)
	signed := func(secret, event, delivery string, payload []byte) map[string]string {
		return map[string]string{
			"X-GitHub-Event":      event,
			"X-GitHub-Delivery":   delivery,
			"X-Hub-Signature-256": "sha256=" + webhook.SignSHA256(secret, payload),
		}
	}
	cases := []struct {
		name   string
		hdr    map[string]string
		body   []byte
		status int
	}{
		{"no signature", map[string]string{"X-GitHub-Event": "push", "X-GitHub-Delivery": "d0"}, body, http.StatusUnauthorized},
		{"sha1 only", map[string]string{"X-GitHub-Event": "push", "X-GitHub-Delivery": "d0", "X-Hub-Signature": "sha1=0000"}, body, http.StatusUnauthorized},
		{"wrong secret", signed("guess", "push", "d0", body), body, http.StatusUnauthorized},
		{"tampered body", signed("new-secret", "push", "d0", body), append([]byte(" "), body...), http.StatusUnauthorized},
		{"unmapped event", signed("new-secret", "star", "d1", []byte(`{"action":"created"}`)), []byte(`{"action":"created"}`), http.StatusAccepted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if status, resp := h.post("/webhooks/github", "application/json", c.body, c.hdr); status != c.status {
				t.Errorf("got %d %s, want %d", status, resp, c.status)
			}
		})
	}
	if n := h.streamMsgs(StreamEvents); n != 0 {
		t.Fatalf("refused deliveries stored %d events", n)
	}

	// A good delivery, signed with either secret (rotation), delivered twice.
	for _, secret := range []string{"old-secret", "new-secret"} {
		status, resp := h.post("/webhooks/github", "application/json", body, signed(secret, "push", "72d3162e-cc78-11e3-81ab-4c9367dc0958", body))
		if status != http.StatusAccepted || !strings.Contains(resp, "72d3162e") {
			t.Fatalf("signed delivery: %d %s", status, resp)
		}
	}
	testwait.For(t, 10*time.Second, "the push routed", func() bool { return rec.len() >= 1 })
	if n := h.streamMsgs(StreamEvents); n != 1 {
		t.Errorf("CB_EVENTS holds %d, want 1 (the redelivery deduplicated)", n)
	}
	e := rec.all()[0].Event
	d, err := events.DecodeData(e)
	if err != nil {
		t.Fatal(err)
	}
	if rd, ok := d.(*events.ReferenceData); !ok || rd.Repository.Provider != "github" || rd.CommitID == "" {
		t.Errorf("push became %s %+v", e.Type(), d)
	}

	ping, _ := os.ReadFile("../testdata/webhooks/github/ping.json")
	if status, resp := h.post("/webhooks/github", "application/json", ping, signed("new-secret", "ping", "p1", ping)); status != http.StatusOK {
		t.Errorf("ping: %d %s", status, resp)
	}
	if status, _ := h.post("/webhooks/gitlab", "application/json", body, nil); status != http.StatusNotFound {
		t.Errorf("unconfigured provider: %d, want 404", status)
	}
}

// TestGiteaAndGitLabWebhooks sends each host's documented push through the
// real HTTP server, signed its way, and once with a wrong secret.
func TestGiteaAndGitLabWebhooks(t *testing.T) {
	gteaBody, err := os.ReadFile("../testdata/webhooks/gitea/push.json")
	if err != nil {
		t.Fatal(err)
	}
	glBody, err := os.ReadFile("../testdata/webhooks/gitlab/push.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	b := install(t, "sink", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		rec.add(inv)
		return functions.Result{}, nil
	})
	h := startEngine(t, `
server: { maxWebhookBytes: 65536 }
sources:
  gitea:  { secret: "gitea-secret" }
  gitlab: { secrets: [ "gitlab-token" ] }
functions:
  sink: { type: testfn, behaviour: "`+b+`" }
rules:
  - name: pushes
    match: event.type.startsWith("dev.codebridge.repository.reference")
    targets: [ { function: sink } ]
`, nil)
	cases := []struct {
		name, path string
		body       []byte
		hdr        map[string]string
		status     int
	}{
		{"gitea wrong secret", "/webhooks/gitea", gteaBody, map[string]string{"X-Gitea-Event": "push", "X-Gitea-Delivery": "g1", "X-Gitea-Signature": webhook.SignSHA256("nope", gteaBody)}, http.StatusUnauthorized},
		{"gitlab wrong token", "/webhooks/gitlab", glBody, map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "nope"}, http.StatusUnauthorized},
		{"oversize", "/webhooks/gitea", append(gteaBody, make([]byte, 70000)...), map[string]string{"X-Gitea-Event": "push"}, http.StatusRequestEntityTooLarge},
		{"forgejo", "/webhooks/gitea", gteaBody, map[string]string{"X-Forgejo-Event": "push", "X-Forgejo-Delivery": "f1", "X-Forgejo-Signature": webhook.SignSHA256("gitea-secret", gteaBody)}, http.StatusAccepted},
		{"gitlab", "/webhooks/gitlab", glBody, map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "gitlab-token", "X-Gitlab-Event-UUID": "u1"}, http.StatusAccepted},
	}
	for _, c := range cases {
		if status, resp := h.post(c.path, "application/json", c.body, c.hdr); status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, status, resp, c.status)
		}
	}
	testwait.For(t, 10*time.Second, "both pushes routed", func() bool { return rec.len() == 2 })
	providers := map[string]bool{}
	for _, inv := range rec.all() {
		d, err := events.DecodeData(inv.Event)
		if err != nil {
			t.Fatal(err)
		}
		providers[d.(*events.ReferenceData).Repository.Provider] = true
	}
	if !providers["gitea"] || !providers["gitlab"] {
		t.Errorf("providers %v", providers)
	}
}
