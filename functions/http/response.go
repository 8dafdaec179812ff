package http

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	nethttp "net/http"
	"strconv"
	"strings"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

const (
	// snippetBytes bounds the part of an error reply quoted in the error.
	snippetBytes = 512
	// maxRetryAfter caps the wait a server may ask for.
	maxRetryAfter = 24 * time.Hour
)

// response classifies resp and decodes the events of a successful reply.
func (f *Function) response(resp *nethttp.Response) (functions.Result, error) {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		evs, err := f.replyEvents(resp)
		if err != nil {
			return functions.Result{}, err
		}
		return functions.Result{Events: evs}, nil
	}
	err := fmt.Errorf("http: %s %s: %s%s", f.cfg.Method, f.shown, resp.Status, f.snippet(resp.Body))
	switch {
	case code == nethttp.StatusRequestTimeout, code == nethttp.StatusTooEarly,
		code == nethttp.StatusTooManyRequests, code >= 500:
		if wait, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return functions.Result{}, functions.RetryAfter(err, wait)
		}
		return functions.Result{}, err
	case code >= 300 && code < 400:
		return functions.Result{}, functions.Permanent(fmt.Errorf("%w (redirects are not followed; configure the final URL)", err))
	default:
		return functions.Result{}, functions.Permanent(err)
	}
}

// snippet reads the start of an error reply for the error text, masked.
func (f *Function) snippet(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, snippetBytes+1))
	if len(b) == 0 {
		return ""
	}
	var s string
	if len(b) > snippetBytes {
		s = f.mask.MaskCut(string(b[:snippetBytes])) + "…"
	} else {
		s = f.mask.Mask(string(b))
	}
	return fmt.Sprintf(": %q", s)
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		d = time.Duration(n) * time.Second
	} else if t, err := nethttp.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	if d <= 0 {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}

// replyEvents decodes the CloudEvents of a successful reply: structured,
// batched or binary mode. A reply that is not a CloudEvent carries none.
func (f *Function) replyEvents(resp *nethttp.Response) ([]events.Event, error) {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	binary := resp.Header.Get(headerPrefix+"Specversion") != ""
	if mt != structuredType && mt != batchType && !binary {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("http: %s %s: read reply: %w", f.cfg.Method, f.shown, maskedError{err, f.mask})
	}
	if int64(len(b)) > f.cfg.MaxResponseBytes {
		return nil, f.badReply(fmt.Errorf("exceeds maxResponseBytes (%d bytes)", f.cfg.MaxResponseBytes))
	}
	// Masked before decoding, so a secret never leaves in an emitted event.
	b = []byte(f.mask.Mask(string(b)))
	var evs []events.Event
	switch {
	case mt == structuredType:
		var e events.Event
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, f.badReply(fmt.Errorf("structured event: %w", err))
		}
		evs = []events.Event{e}
	case mt == batchType:
		if err := json.Unmarshal(b, &evs); err != nil {
			return nil, f.badReply(fmt.Errorf("event batch: %w", err))
		}
	default:
		h := resp.Header.Clone()
		for k, vs := range h {
			for i, v := range vs {
				h[k][i] = f.mask.Mask(v)
			}
		}
		e, err := fromBinary(h, b)
		if err != nil {
			return nil, f.badReply(err)
		}
		evs = []events.Event{e}
	}
	for i, e := range evs {
		if err := events.Validate(e); err != nil {
			return nil, f.badReply(fmt.Errorf("event %d: %w", i, err))
		}
		if err := e.Validate(); err != nil {
			return nil, f.badReply(fmt.Errorf("event %d: %w", i, err))
		}
	}
	return evs, nil
}

// badReply is a 2xx reply whose CloudEvent is broken: the endpoint has a bug
// that retrying does not fix.
func (f *Function) badReply(err error) error {
	return functions.Permanent(fmt.Errorf("http: %s %s: invalid CloudEvent in reply: %w", f.cfg.Method, f.shown, err))
}
