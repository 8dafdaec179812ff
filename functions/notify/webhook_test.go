package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// whReceiver is a Standard Webhooks receiver: it verifies every request the
// way the spec tells a consumer to, answers with the scripted statuses in
// turn (then 200), and records the verified deliveries it accepted.
type whReceiver struct {
	t   *testing.T
	key []byte // nil: no signature expected

	mu        sync.Mutex
	script    []int    // statuses to answer before 200
	retryHdr  string   // Retry-After sent with a scripted 429/5xx
	requests  int      // every request
	accepted  []whCall // verified requests answered 2xx
	verifyErr []error
}

type whCall struct {
	ID      string
	Header  http.Header
	Payload WebhookPayload
	Raw     []byte
}

func newWHReceiver(t *testing.T, key []byte, script ...int) (*whReceiver, *httptest.Server) {
	r := &whReceiver{t: t, key: key, script: script}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *whReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if err := r.verify(req, body); err != nil {
		r.verifyErr = append(r.verifyErr, err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if len(r.script) > 0 {
		code := r.script[0]
		r.script = r.script[1:]
		if r.retryHdr != "" {
			w.Header().Set("Retry-After", r.retryHdr)
		}
		http.Error(w, fmt.Sprintf("scripted %d", code), code)
		return
	}
	var p WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		r.verifyErr = append(r.verifyErr, err)
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	r.accepted = append(r.accepted, whCall{ID: req.Header.Get("webhook-id"), Header: req.Header.Clone(), Payload: p, Raw: body})
	w.WriteHeader(http.StatusNoContent)
}

// verify follows the spec's consumer steps: the three headers present, the
// timestamp within five minutes, and one of the space-separated v1
// signatures equal (in constant time) to HMAC-SHA256(id.timestamp.body).
func (r *whReceiver) verify(req *http.Request, body []byte) error {
	id, ts, sigs := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		return fmt.Errorf("want POST application/json, got %s %s", req.Method, req.Header.Get("Content-Type"))
	}
	if id == "" || ts == "" {
		return fmt.Errorf("missing webhook-id or webhook-timestamp")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook-timestamp: %v", err)
	}
	if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("webhook-timestamp outside tolerance")
	}
	if r.key == nil {
		if sigs != "" {
			return fmt.Errorf("unexpected signature")
		}
		return nil
	}
	mac := hmac.New(sha256.New, r.key)
	fmt.Fprintf(mac, "%s.%s.", id, ts)
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, sig, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("no valid v1 signature in %q", sigs)
}

func (r *whReceiver) snapshot() (requests int, accepted []whCall, verifyErr []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, append([]whCall(nil), r.accepted...), append([]error(nil), r.verifyErr...)
}

const whKeyB64 = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // 24 bytes, as the spec's examples

func whKey(t *testing.T) []byte {
	k, err := base64.StdEncoding.DecodeString(whKeyB64)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestWebhookSignedDelivery(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		key    func(t *testing.T) []byte
	}{
		{"whsec key", "whsec_" + whKeyB64, whKey},
		{"raw string key", "a raw shared secret", func(*testing.T) []byte { return []byte("a raw shared secret") }},
		{"unsigned", "", func(*testing.T) []byte { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv, srv := newWHReceiver(t, tt.key(t))
			n := build(t, fmt.Sprintf(`
webhook:
  url: %s/hooks/oncall?token=abc123
  secret: %q
  headers: {X-Team: infra}
  timeout: 5s
`, srv.URL, tt.secret), functions.Deps{})
			res, err := invoke(t, n, invocation(t, "inv-1", buildFailed(t), ""))
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			_, got, verr := rcv.snapshot()
			if len(verr) > 0 || len(got) != 1 {
				t.Fatalf("accepted %d, verification errors %v", len(got), verr)
			}
			c := got[0]
			if c.ID != "inv-1:webhook" {
				t.Errorf("webhook-id = %q", c.ID)
			}
			if c.Header.Get("X-Team") != "infra" {
				t.Errorf("custom header missing: %v", c.Header)
			}
			p := c.Payload
			if p.Type != events.BuildStateChanged || p.Data.Title != "Build app #42 FAILED" || p.Data.Outcome != "failure" ||
				p.Data.InvocationID != "inv-1" || p.Data.Rule != "build-failed" || p.Data.Event.ID() != "ev-1" {
				t.Errorf("payload = %+v", p)
			}
			if len(p.Data.Links) != 1 || p.Data.Links[0].URL != "https://ci.example/builds/app:42/logs" {
				t.Errorf("links = %+v", p.Data.Links)
			}
			nd := notificationData(t, res)
			sent, ok := nd["webhook/sent"]
			if !ok || len(res.Events) != 1 {
				t.Fatalf("events = %+v", nd)
			}
			if want := srv.URL + "/…"; sent.Target != want {
				t.Errorf("target = %q, want %q (no path or query)", sent.Target, want)
			}
			if sent.TriggerEventID != "ev-1" || events.Cause(res.Events[0]) != "ev-1" || events.Hops(res.Events[0]) != 1 {
				t.Errorf("cause not marked: %+v, ext %v", sent, res.Events[0].Extensions())
			}
		})
	}
}

func TestWebhook500Then200DeliversOnce(t *testing.T) {
	rcv, srv := newWHReceiver(t, whKey(t), http.StatusInternalServerError)
	rcv.retryHdr = "0" // retry at once: the server says so
	n := build(t, fmt.Sprintf("webhook: {url: %s, secret: whsec_%s, retries: 1}", srv.URL, whKeyB64), functions.Deps{})
	res, err := invoke(t, n, invocation(t, "inv-500", buildFailed(t), ""))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	requests, got, verr := rcv.snapshot()
	if requests != 2 || len(got) != 1 || len(verr) > 0 {
		t.Fatalf("requests %d, accepted %d, errors %v; want 2 requests and 1 delivery", requests, len(got), verr)
	}
	nd := notificationData(t, res)
	if _, ok := nd["webhook/sent"]; !ok || len(nd) != 1 {
		t.Fatalf("want exactly one notification.sent, got %+v", nd)
	}
	// The engine redelivers (a lost ack): nothing is sent again.
	res2, err := invoke(t, n, invocation(t, "inv-500", buildFailed(t), ""))
	if err != nil {
		t.Fatalf("second Invoke: %v", err)
	}
	if requests, _, _ := rcv.snapshot(); requests != 2 {
		t.Errorf("redelivery sent again: %d requests", requests)
	}
	if len(res2.Events) != 1 || res2.Events[0].ID() != res.Events[0].ID() {
		t.Errorf("redelivery events differ: %v vs %v", res2.Events, res.Events)
	}
}

func TestWebhookRetryableThenEngineRetry(t *testing.T) {
	rcv, srv := newWHReceiver(t, nil, http.StatusServiceUnavailable)
	rcv.retryHdr = "7"
	n := build(t, fmt.Sprintf("webhook: {url: %s, retries: 0}", srv.URL), functions.Deps{})
	_, err := invoke(t, n, invocation(t, "inv-503", buildFailed(t), ""))
	if !isRetryable(err) {
		t.Fatalf("want a retryable error, got %v", err)
	}
	if d, ok := functions.RetryDelay(err); !ok || d != 7*time.Second {
		t.Errorf("RetryDelay = %v, %v; want 7s from Retry-After", d, ok)
	}
	res, err := invoke(t, n, invocation(t, "inv-503", buildFailed(t), ""))
	if err != nil {
		t.Fatalf("engine retry: %v", err)
	}
	if _, got, _ := rcv.snapshot(); len(got) != 1 || len(res.Events) != 1 {
		t.Errorf("accepted %d, events %d", len(got), len(res.Events))
	}
}

func TestWebhook400IsPermanent(t *testing.T) {
	for _, code := range []int{http.StatusBadRequest, http.StatusNotFound, http.StatusFound} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if code == http.StatusFound {
					http.Redirect(w, r, "https://elsewhere.example/", code)
					return
				}
				http.Error(w, "no such hook", code)
			}))
			t.Cleanup(srv.Close)
			n := build(t, fmt.Sprintf("webhook: {url: '%s/path/s3cr3t-token', secret: whsec_%s}", srv.URL, whKeyB64), functions.Deps{})
			res, err := invoke(t, n, invocation(t, "inv-400", buildFailed(t), ""))
			if !functions.IsPermanent(err) {
				t.Fatalf("want a permanent error (the engine dead-letters it), got %v", err)
			}
			mustContain(t, err.Error(), strconv.Itoa(code))
			if strings.Contains(err.Error(), "s3cr3t-token") {
				t.Errorf("error leaks the URL path: %v", err)
			}
			nd := notificationData(t, res)
			f, ok := nd["webhook/failed"]
			if !ok || f.Error == "" || strings.Contains(f.Error, "s3cr3t") {
				t.Errorf("notification.failed = %+v", nd)
			}
		})
	}
}

func TestWebhookConnectionErrorIsRetryableAndRedacted(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	n := build(t, fmt.Sprintf("webhook: {url: '%s/hook?token=tok-9f8e7d', retries: 0}", url), functions.Deps{})
	_, err := invoke(t, n, invocation(t, "inv-conn", buildFailed(t), ""))
	if !isRetryable(err) {
		t.Fatalf("want retryable, got %v", err)
	}
	if strings.Contains(err.Error(), "tok-9f8e7d") || strings.Contains(err.Error(), "/hook") {
		t.Errorf("error leaks the URL: %v", err)
	}
}

func TestSignMatchesSpecExample(t *testing.T) {
	// The example from the Standard Webhooks specification (spec/standard-
	// webhooks.md, "Signature scheme"): this id, timestamp, body and secret
	// sign to the value below.
	key, _ := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	got := Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}
