package notify

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/natstest"
)

func TestRegistered(t *testing.T) {
	s, err := functions.Lookup(Type)
	if err != nil || s.New == nil || s.Summary == "" {
		t.Fatalf("notify is not registered: %v", err)
	}
}

// A retry after a partial failure sends only to the channels that have not
// delivered, and the final result reports every channel.
func TestPartialFailureRetriesOnlyPendingChannels(t *testing.T) {
	whRcv, whSrv := newWHReceiver(t, whKey(t))
	// Slack's hook is down for the first attempt only.
	slackHook := &slackHook{}
	var down atomic.Bool
	down.Store(true)
	slackSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.Header().Set("Retry-After", "3")
			http.Error(w, "busy", http.StatusTooManyRequests)
			return
		}
		slackHook.ServeHTTP(w, r)
	}))
	t.Cleanup(slackSrv.Close)
	ms := startMail(t, TLSNone, testCA{}, "", "")
	nc := natstest.Start(t).NC
	sub, err := nc.SubscribeSync("team.alerts")
	if err != nil {
		t.Fatal(err)
	}

	n := build(t, fmt.Sprintf(`
slack: {webhookURL: %s/services/T000/B000/XXXX, retries: 0}
webhook: {url: %s/hook, secret: whsec_%s}
email: {host: 127.0.0.1, port: %d, tls: none, from: cb@example.com, to: [team@example.com]}
nats: {subject: team.alerts}
`, slackSrv.URL, whSrv.URL, whKeyB64, ms.port), functions.Deps{NATS: nc})
	if got := strings.Join(n.Channels(), ","); got != "slack,webhook,email,nats" {
		t.Fatalf("channels = %s", got)
	}
	inv := invocation(t, "inv-partial", buildFailed(t), "")

	_, err = invoke(t, n, inv)
	if !isRetryable(err) {
		t.Fatalf("first attempt: want retryable, got %v", err)
	}
	if d, ok := functions.RetryDelay(err); !ok || d.Seconds() != 3 {
		t.Errorf("RetryDelay = %v %v, want Slack's 3s", d, ok)
	}
	mustContain(t, err.Error(), "slack", "429")

	down.Store(false)
	inv.Attempt = 2
	res, err := invoke(t, n, inv)
	if err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	if _, got, _ := whRcv.snapshot(); len(got) != 1 {
		t.Errorf("webhook deliveries = %d, want 1", len(got))
	}
	if got := ms.messages(); len(got) != 1 {
		t.Errorf("emails = %d, want 1", len(got))
	}
	if got, _ := slackHook.snapshot(); len(got) != 1 {
		t.Errorf("slack messages = %d, want 1", len(got))
	}
	if _, err := sub.NextMsg(5e9); err != nil {
		t.Errorf("nats: %v", err)
	}
	if _, err := sub.NextMsg(1e8); err == nil {
		t.Errorf("nats got a second message")
	}
	nd := notificationData(t, res)
	for _, ch := range []string{"slack", "webhook", "email", "nats"} {
		if _, ok := nd[ch+"/sent"]; !ok {
			t.Errorf("no notification.sent for %s: %v", ch, nd)
		}
	}
}

func TestPermanentFailureWithOthersDone(t *testing.T) {
	_, okSrv := newWHReceiver(t, nil)
	slackSrvBad := func() string {
		_, srv := newSlackHook(t) // wrong path: answers 400 invalid_payload
		return srv.URL + "/services/WRONG"
	}()
	n := build(t, fmt.Sprintf("slack: {webhookURL: %s}\nwebhook: {url: %s}", slackSrvBad, okSrv.URL), functions.Deps{})
	res, err := invoke(t, n, invocation(t, "inv-perm", buildFailed(t), ""))
	if !functions.IsPermanent(err) {
		t.Fatalf("want permanent, got %v", err)
	}
	nd := notificationData(t, res)
	if _, ok := nd["webhook/sent"]; !ok {
		t.Errorf("missing webhook sent: %v", nd)
	}
	if f, ok := nd["slack/failed"]; !ok || !strings.Contains(f.Error, "400") {
		t.Errorf("missing slack failed: %v", nd)
	}
}

func TestInputOverridesAndTemplates(t *testing.T) {
	tests := []struct {
		name      string
		cfg       string
		input     string
		wantTitle string
		wantBody  string
	}{
		{"defaults", "", "", "Build app #42 FAILED", "The build failed in acme/app at main."},
		{"templates", `title: '"[" + event.data.project + "] " + event.data.status.lowerAscii()'` + "\nbody: 'event.data.reference'",
			"", "[app] failed", "refs/heads/main"},
		{"number in template", `title: '"#" + string(event.data.buildNumber)'`, "", "#42", "The build failed in acme/app at main."},
		{"event attributes", `title: 'event.type.split(".")[3] + " " + event.subject + " " + string(event.time)'` + "\nbody: 'event.id + \" \" + event.source'",
			"", "stateChanged refs/heads/main 2026-01-02T03:04:05Z", "ev-1 codebridge://builds/app"},
		{"input wins", `title: '"from template"'`, `{"title": "from input", "body": "b"}`, "from input", "b"},
		{"input string is the body", "", `"just this"`, "Build app #42 FAILED", "just this"},
		{"default input (the event) sets nothing", "", `{"specversion": "1.0", "id": "x", "title": "no"}`, "Build app #42 FAILED", "The build failed in acme/app at main."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv, srv := newWHReceiver(t, nil)
			n := build(t, fmt.Sprintf("webhook: {url: %s}\n%s", srv.URL, tt.cfg), functions.Deps{})
			if _, err := invoke(t, n, invocation(t, "inv-"+tt.name, buildFailed(t), tt.input)); err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			_, got, _ := rcv.snapshot()
			if len(got) != 1 {
				t.Fatalf("deliveries = %d", len(got))
			}
			if d := got[0].Payload.Data; d.Title != tt.wantTitle || d.Body != tt.wantBody {
				t.Errorf("title %q body %q, want %q %q", d.Title, d.Body, tt.wantTitle, tt.wantBody)
			}
		})
	}
}

func TestTemplateRuntimeErrorIsPermanent(t *testing.T) {
	rcv, srv := newWHReceiver(t, nil)
	n := build(t, fmt.Sprintf("webhook: {url: %s}\ntitle: 'event.data.noSuchField'", srv.URL), functions.Deps{})
	res, err := invoke(t, n, invocation(t, "inv-tmplerr", buildFailed(t), ""))
	if !functions.IsPermanent(err) {
		t.Fatalf("want permanent, got %v", err)
	}
	mustContain(t, err.Error(), "template title", "noSuchField")
	if requests, _, _ := rcv.snapshot(); requests != 0 {
		t.Errorf("sent %d requests for a message that could not be built", requests)
	}
	if nd := notificationData(t, res); nd["webhook/failed"].Error == "" {
		t.Errorf("events = %v", nd)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		cfg   string
		field string
	}{
		{"no channel", "title: '\"x\"'", "slack|webhook|email|nats"},
		{"unknown field", "slack: {webhookURL: https://hooks.example/x, colour: red}", "colour"},
		{"slack url missing", "slack: {rateLimit: 1/s}", "slack.webhookURL"},
		{"slack url scheme", "slack: {webhookURL: 'ftp://hooks.example/T/B/secret'}", "slack.webhookURL"},
		{"webhook url", "webhook: {url: 'not a url'}", "webhook.url"},
		{"webhook secret", "webhook: {url: 'https://x.example', secret: 'whsec_!!!'}", "webhook.secret"},
		{"webhook reserved header", "webhook: {url: 'https://x.example', headers: {webhook-id: x}}", "webhook.headers.webhook-id"},
		{"webhook header name", "webhook: {url: 'https://x.example', headers: {'bad name': x}}", "webhook.headers"},
		{"webhook timeout", "webhook: {url: 'https://x.example', timeout: soon}", "webhook.timeout"},
		{"rate", "webhook: {url: 'https://x.example', rateLimit: fast}", "webhook.rateLimit"},
		{"burst without rate", "webhook: {url: 'https://x.example', burst: 3}", "webhook.burst"},
		{"retries", "webhook: {url: 'https://x.example', retries: 99}", "webhook.retries"},
		{"email host", "email: {from: a@example.com}", "email.host"},
		{"email tls", "email: {host: m.example, tls: maybe, from: a@example.com}", "email.tls"},
		{"email plain password", "email: {host: m.example, tls: none, username: u, password: p, from: a@example.com}", "email.tls"},
		{"email from", "email: {host: m.example}", "email.from"},
		{"email to", "email: {host: m.example, from: a@example.com, to: [ok@example.com, nope]}", "email.to[1]"},
		{"email caFile", "email: {host: m.example, from: a@example.com, caFile: /nonexistent/ca.pem}", "email.caFile"},
		{"email subject", "email: {host: m.example, from: a@example.com, subject: '1 +'}", "email.subject"},
		{"title syntax", "webhook: {url: 'https://x.example'}\ntitle: 'event.'", "title"},
		{"title type", "webhook: {url: 'https://x.example'}\ntitle: '1 + 2'", "title"},
		{"body unknown variable", "webhook: {url: 'https://x.example'}\nbody: 'evnt.id'", "body"},
		{"nats subject", "nats: {subject: 'team.*'}", "nats.subject"},
		{"nats engine subject", "nats: {subject: cb.events.x}", "nats.subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New("bad", strictYAML(tt.cfg), functions.Deps{NATS: nil})
			if err == nil {
				t.Fatal("want an error")
			}
			mustContain(t, err.Error(), tt.field)
			var ce *ConfigError
			if errors.As(err, &ce) && ce.Field != tt.field {
				t.Errorf("field = %q, want %q", ce.Field, tt.field)
			}
		})
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	const token = "xoxb-TOKEN-1234567890"
	// A decode error quotes the offending value: it must be masked.
	_, err := New("s", strictYAML("webhook: {url: https://x.example, retries: "+token+"}"), functions.Deps{Secrets: []string{token}})
	if err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("decode error leaks the secret: %v", err)
	}
	// A server that echoes the request's path back in its error reply.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unknown hook "+r.URL.Path, http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	n := build(t, fmt.Sprintf("slack: {webhookURL: '%s/services/%s'}", srv.URL, token), functions.Deps{})
	res, err := invoke(t, n, invocation(t, "inv-secret", buildFailed(t), ""))
	t.Logf("error: %v", err)
	if err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("error leaks the hook token: %v", err)
	}
	for _, e := range res.Events {
		if strings.Contains(string(e.Data()), token) {
			t.Errorf("event leaks the hook token: %s", e.Data())
		}
	}
}

func TestLedgerIsBounded(t *testing.T) {
	l := newLedger(3)
	for i := range 5 {
		l.settle(fmt.Sprint(i), "slack", settled{Target: "t"})
	}
	if l.len() != 3 {
		t.Errorf("len = %d, want 3", l.len())
	}
	if len(l.get("0")) != 0 || len(l.get("4")) != 1 {
		t.Errorf("oldest not evicted first")
	}
}

func TestEventIDsAreStable(t *testing.T) {
	_, srv := newWHReceiver(t, nil)
	n := build(t, fmt.Sprintf("webhook: {url: %s}", srv.URL), functions.Deps{})
	inv := invocation(t, "inv-ids", buildFailed(t), "")
	inv.Context = map[string]any{"pr": "7"}
	res, err := invoke(t, n, inv)
	if err != nil {
		t.Fatal(err)
	}
	e := res.Events[0]
	if e.ID() != "inv-ids/webhook/sent" || e.Source() != "codebridge://functions/chat" || e.Subject() != "refs/heads/main" {
		t.Errorf("event %s %s %s", e.ID(), e.Source(), e.Subject())
	}
	if ctx := events.Context(e); ctx["pr"] != "7" {
		t.Errorf("context not carried: %v", e.Extensions())
	}
	if nd := notificationData(t, res)["webhook/sent"]; nd.Context["pr"] != "7" {
		t.Errorf("data context = %v", nd.Context)
	}
}
