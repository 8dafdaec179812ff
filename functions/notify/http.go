package notify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// userAgent names the sender to receivers.
const userAgent = "codebridge-notify/1"

// replySnippet is how much of a failed reply goes into the error.
const replySnippet = 256

// newHTTPClient returns a client that does not follow redirects: a redirect
// would resend a signed payload (and a Slack token's path) somewhere the
// configuration never named, so a 3xx is reported as a permanent failure.
func newHTTPClient() *http.Client {
	return &http.Client{
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// post sends body to rawURL and classifies the reply: 2xx is success, 429
// and 5xx are retryable (with the Retry-After the server gave), anything else
// is permanent. target is the redacted URL used in every message.
func post(ctx context.Context, client *http.Client, rawURL, target string, header http.Header, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return permanentError(redactTransportError(err, target))
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := client.Do(req)
	if err != nil {
		return retryableError(redactTransportError(err, target), 0)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, replySnippet))
	// Drain a little more so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return classify(resp, target, snippet, time.Now())
}

func classify(resp *http.Response, target string, snippet []byte, now time.Time) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	err := fmt.Errorf("%s answered %s%s", target, resp.Status, replyText(snippet))
	if code == http.StatusTooManyRequests || code >= 500 {
		if wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			return retryAfterError(err, wait)
		}
		return retryableError(err, 0)
	}
	return permanentError(err)
}

// parseRetryAfter reads delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > 7*24*3600 {
			secs = 7 * 24 * 3600
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// replyText makes a reply body fit on one line of an error message.
func replyText(b []byte) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.TrimSpace(string(b)))
	if s == "" {
		return ""
	}
	return ": " + truncate(s, 200)
}
