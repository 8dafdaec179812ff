package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/functionstest"
	cbhttp "github.com/codebridge/codebridge/functions/http"
)

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no url", "method: POST", "url: is required"},
		{"ftp", "url: ftp://files.example/x", "url: must be an http or https URL"},
		{"relative", "url: /hooks", "url: must be an http or https URL"},
		{"no host", "url: 'http://'", "url: has no host"},
		{"GET", "url: http://h.example\nmethod: GET", `method: must be POST, PUT or PATCH, got "GET"`},
		{"bad header name", "url: http://h.example\nheaders: {'Bad Name': x}", `headers: "Bad Name" is not a valid header name`},
		{"ce header", "url: http://h.example\nheaders: {ce-id: x}", "headers.ce-id: is set by the function"},
		{"content type", "url: http://h.example\nheaders: {Content-Type: text/plain}", "headers.Content-Type: is set by the function"},
		{"invocation header", "url: http://h.example\nheaders: {X-Codebridge-Attempt: '9'}", "headers.X-Codebridge-Attempt: is set by the function"},
		{"header injection", "url: http://h.example\nheaders: {X-Key: \"a\\r\\nX-Evil: 1\"}", "headers.X-Key: value must not contain CR, LF or NUL"},
		{"negative timeout", "url: http://h.example\ntimeout: -5s", "timeout: must not be negative"},
		{"bad timeout", "url: http://h.example\ntimeout: soon", `invalid duration "soon"`},
		{"negative bound", "url: http://h.example\nmaxResponseBytes: -1", "maxResponseBytes: must not be negative"},
		{"unknown field", "url: http://h.example\nretries: 3", "field retries not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tryBuild(tt.src)
			if err == nil {
				t.Fatalf("built a function from %q, want an error containing %q", tt.src, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestConfigErrorHidesURLSecrets(t *testing.T) {
	for _, src := range []string{
		"url: ftp://deploy:pa55word@h.example/?token=t0ps3cret",
		"url: 'deploy:pa55word@h.example/?token=t0ps3cret'",
		"url: 'http://deploy:pa55word@h.example/%zz?token=t0ps3cret'",
	} {
		_, err := tryBuild(src)
		if err == nil {
			t.Fatalf("built %q", src)
		}
		for _, secret := range []string{"deploy", "pa55word", "t0ps3cret"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows %q", err, secret)
			}
		}
	}
}

func TestBinaryMode(t *testing.T) {
	ep := newEndpoint(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	fn := build(t, fmt.Sprintf("url: %s/hooks/deploy\nheaders: {Authorization: Bearer abc}", ep.URL))

	e, err := events.New("com.example.pushed", "/repos/app", map[string]any{"ref": "refs/heads/main", "n": 1},
		events.WithID("evt-1"), events.WithSubject(`feature/ü "x" 100%`),
		events.WithTime(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	events.SetHops(&e, 2)
	if err := events.MarkCaused(&e, e, map[string]any{"pr": 7}); err != nil {
		t.Fatal(err)
	}
	inv := functionstest.NewInvocation(t)
	inv.Event, inv.Attempt = e, 4
	inv.Input, _ = json.Marshal(e)
	if _, err := invoke(t, fn, inv); err != nil {
		t.Fatal(err)
	}

	reqs := ep.requests()
	if len(reqs) != 1 {
		t.Fatalf("endpoint got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/hooks/deploy" {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
	want := map[string]string{
		"Ce-Specversion":          "1.0",
		"Ce-Id":                   "evt-1",
		"Ce-Source":               "/repos/app",
		"Ce-Type":                 "com.example.pushed",
		"Ce-Subject":              "feature/%C3%BC%20%22x%22%20100%25",
		"Ce-Time":                 "2026-01-02T03:04:05.000000006Z",
		"Ce-Cbhops":               "3",
		"Ce-Cbcause":              "evt-1",
		"Ce-Cbcontext":            "{%22pr%22:7}",
		"Content-Type":            "application/json",
		"Authorization":           "Bearer abc",
		cbhttp.HeaderInvocationID: inv.ID,
		cbhttp.HeaderAttempt:      "4",
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if subject, _ := url.PathUnescape(r.Header.Get("Ce-Subject")); subject != e.Subject() {
		t.Errorf("subject decodes to %q, want %q", subject, e.Subject())
	}
	if string(r.Body) != string(e.Data()) {
		t.Errorf("body = %s, want the event data %s", r.Body, e.Data())
	}
}

func TestCustomInputIsTheBody(t *testing.T) {
	ep := newEndpoint(t, func(w http.ResponseWriter, _ *http.Request) {})
	fn := build(t, "url: "+ep.URL+"\nmethod: put")
	inv := functionstest.NewInvocation(t)
	inv.Input = json.RawMessage(`{"body":"Build started for abc123"}`)
	if _, err := invoke(t, fn, inv); err != nil {
		t.Fatal(err)
	}
	r := ep.requests()[0]
	if r.Method != http.MethodPut {
		t.Errorf("method = %s, want PUT", r.Method)
	}
	if string(r.Body) != string(inv.Input) || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("body = %s (%s), want the input", r.Body, r.Header.Get("Content-Type"))
	}
	if r.Header.Get("Ce-Id") != inv.Event.ID() {
		t.Errorf("Ce-Id = %q, want the event's id %q", r.Header.Get("Ce-Id"), inv.Event.ID())
	}
}

func TestReplyEvents(t *testing.T) {
	tests := []struct {
		name      string
		reply     http.HandlerFunc
		wantIDs   []string
		permanent bool
	}{
		{"binary", func(w http.ResponseWriter, _ *http.Request) {
			h := w.Header()
			h.Set("Ce-Specversion", "1.0")
			h.Set("Ce-Id", "bin-1")
			h.Set("Ce-Source", "https://deploy.example/hooks")
			h.Set("Ce-Type", "com.example.deploy.started")
			h.Set("Ce-Subject", "refs/heads/main%20%C3%BC")
			h.Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"deployment":"d-1"}`))
		}, []string{"bin-1"}, false},
		{"structured", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/cloudevents+json; charset=utf-8")
			_, _ = w.Write(replyFile(t, "reply-structured.json"))
		}, []string{"reply-1"}, false},
		{"batch", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/cloudevents-batch+json")
			_, _ = w.Write(replyFile(t, "reply-batch.json"))
		}, []string{"b-1", "b-2"}, false},
		{"plain json", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"specversion":"1.0","ok":true}`))
		}, nil, false},
		{"no content", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }, nil, false},
		{"invalid structured", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/cloudevents+json")
			_, _ = w.Write(replyFile(t, "reply-invalid.json"))
		}, nil, true},
		{"invalid binary", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Ce-Specversion", "1.0")
			w.Header().Set("Ce-Type", "com.example.x")
		}, nil, true},
		{"unknown specversion", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Ce-Specversion", "2.0")
			w.Header().Set("Ce-Id", "x")
		}, nil, true},
		{"too large", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/cloudevents+json")
			_, _ = w.Write([]byte(`{"specversion":"1.0","id":"big","source":"/s","type":"com.example.big","data":"` + strings.Repeat("x", 3000) + `"}`))
		}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := newEndpoint(t, tt.reply)
			fn := build(t, "url: "+ep.URL+"\nmaxResponseBytes: 2048")
			res, err := invoke(t, fn, functionstest.NewInvocation(t))
			if tt.permanent {
				if !functions.IsPermanent(err) || !strings.Contains(err.Error(), "invalid CloudEvent in reply") {
					t.Fatalf("err = %v, want a permanent invalid-reply error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range res.Events {
				ids = append(ids, e.ID())
				if err := events.Validate(e); err != nil {
					t.Errorf("emitted event %s is invalid: %v", e.ID(), err)
				}
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.wantIDs) {
				t.Errorf("emitted %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestReplyBinarySubjectDecoded(t *testing.T) {
	ep := newEndpoint(t, func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Ce-Specversion", "1.0")
		h.Set("Ce-Id", "bin-1")
		h.Set("Ce-Source", "/s")
		h.Set("Ce-Type", "com.example.x")
		h.Set("Ce-Subject", "a%20%22b%22%20%C3%BC")
		h.Set("Ce-Time", "2026-01-02T03:04:05Z")
		h.Set("Ce-Region", "eu")
	})
	res, err := invoke(t, build(t, "url: "+ep.URL), functionstest.NewInvocation(t))
	if err != nil {
		t.Fatal(err)
	}
	e := res.Events[0]
	if e.Subject() != `a "b" ü` || e.Extensions()["region"] != "eu" || !e.Time().Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("decoded %v", e)
	}
}

func TestStatusClassification(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		status     int
		retryAfter string
		permanent  bool
		wantDelay  time.Duration // -1: some positive delay (an HTTP date)
		wantErr    bool
	}{
		{200, "", false, 0, false},
		{201, "", false, 0, false},
		{301, "", true, 0, true},
		{400, "", true, 0, true},
		{401, "", true, 0, true},
		{404, "", true, 0, true},
		{422, "", true, 0, true},
		{408, "", false, 0, true},
		{429, "7", false, 7 * time.Second, true},
		{500, "", false, 0, true},
		{502, "", false, 0, true},
		{503, "7", false, 7 * time.Second, true},
		{503, date, false, -1, true},
		{503, "soon", false, 0, true},
		{503, "-3", false, 0, true},
		{503, "99999999999", false, 24 * time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.retryAfter), func(t *testing.T) {
			ep := newEndpoint(t, func(w http.ResponseWriter, _ *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				if tt.status == 301 {
					w.Header().Set("Location", "http://elsewhere.invalid/")
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte("reason: quota"))
			})
			_, err := invoke(t, build(t, "url: "+ep.URL), functionstest.NewInvocation(t))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if got := functions.IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent(%q) = %v, want %v", err, got, tt.permanent)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tt.status)) || !strings.Contains(err.Error(), "reason: quota") {
				t.Errorf("error %q does not show the status and the body", err)
			}
			delay, ok := functions.RetryDelay(err)
			switch {
			case tt.wantDelay == -1:
				if !ok || delay <= 0 || delay > 90*time.Second {
					t.Errorf("RetryDelay = %v, %v; want a positive delay up to 90s", delay, ok)
				}
			case tt.wantDelay == 0:
				if ok {
					t.Errorf("RetryDelay = %v, want none", delay)
				}
			case !ok || delay != tt.wantDelay:
				t.Errorf("RetryDelay = %v, %v; want %v", delay, ok, tt.wantDelay)
			}
			if len(ep.requests()) != 1 {
				t.Errorf("endpoint got %d requests, want 1 (no redirect followed)", len(ep.requests()))
			}
		})
	}
}

func TestURLSecretsRedacted(t *testing.T) {
	const (
		user, pass, token = "deploy-user", "pa55-w0rd", "q-t0ken-123"
	)
	ep := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		// A careless endpoint echoes what it got, secrets included.
		fmt.Fprintf(w, "bad request to %s with %s", r.URL.RequestURI(), r.Header.Get("X-Api-Key"))
	})
	u, _ := url.Parse(ep.URL)
	withSecrets := fmt.Sprintf("http://%s:%s@%s/hooks?token=%s", user, pass, u.Host, token)

	// A port nobody listens on, for the connection error.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := fmt.Sprintf("http://%s:%s@%s/hooks?token=%s", user, pass, l.Addr(), token)
	l.Close()

	const apiKey = "k3y-s3cret-value"
	for _, tt := range []struct {
		name, url string
		permanent bool
	}{
		{"error reply", withSecrets, true},
		{"connection refused", closed, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fn := build(t, fmt.Sprintf("url: %q\nheaders: {X-Api-Key: %s}", tt.url, apiKey), apiKey, token)
			_, err := invoke(t, fn, functionstest.NewInvocation(t))
			if err == nil {
				t.Fatal("want an error")
			}
			if functions.IsPermanent(err) != tt.permanent {
				t.Errorf("IsPermanent(%q) = %v, want %v", err, !tt.permanent, tt.permanent)
			}
			for _, secret := range []string{user, pass, token, apiKey} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows %q", err, secret)
				}
			}
			if !strings.Contains(err.Error(), "/hooks") {
				t.Errorf("error %q does not say where it went", err)
			}
		})
	}
}

func TestWholeURLSecretHidesPath(t *testing.T) {
	ep := newEndpoint(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })
	hook := ep.URL + "/services/T000/B000/XXXXsecretpath?x=1"
	_, err := invoke(t, build(t, fmt.Sprintf("url: %q", hook), hook), functionstest.NewInvocation(t))
	if err == nil || strings.Contains(err.Error(), "XXXXsecretpath") || strings.Contains(err.Error(), "services") {
		t.Errorf("err = %v, want one without the secret URL's path", err)
	}
}

func TestTimeoutIsRetryable(t *testing.T) {
	release := make(chan struct{})
	ep := newEndpoint(t, func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // before the server closes
	fn := build(t, "url: "+ep.URL+"\ntimeout: 200ms")
	_, err := invoke(t, fn, functionstest.NewInvocation(t))
	if err == nil || functions.IsPermanent(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %q does not wrap context.DeadlineExceeded", err)
	}
}

func TestVerbatimURLCredentialsMasked(t *testing.T) {
	ep := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		u, p, _ := r.BasicAuth()
		fmt.Fprintf(w, "denied %s:%s at %s", u, p, r.URL.RequestURI())
	})
	u, _ := url.Parse(ep.URL)
	hook := fmt.Sprintf("http://bot:hunter2-verbatim@%s/hook?sig=abcdef0123456789&v=1", u.Host)
	_, err := invoke(t, build(t, fmt.Sprintf("url: %q", hook)), functionstest.NewInvocation(t))
	if !functions.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
	for _, secret := range []string{"hunter2-verbatim", "abcdef0123456789"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows %q", err, secret)
		}
	}
	if !strings.Contains(err.Error(), "denied bot:***") {
		t.Errorf("error %q lacks the masked reply", err)
	}
}

func TestNoEventIsPermanent(t *testing.T) {
	ep := newEndpoint(t, func(http.ResponseWriter, *http.Request) {})
	_, err := invoke(t, build(t, "url: "+ep.URL), functions.Invocation{ID: "x", Input: json.RawMessage(`{}`)})
	if !functions.IsPermanent(err) || len(ep.requests()) != 0 {
		t.Errorf("err = %v with %d requests, want a permanent error and none", err, len(ep.requests()))
	}
}
