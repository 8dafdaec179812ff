package prcomment

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/codebridge/codebridge/functions"
)

// ErrInvalid is matched (errors.Is) by every configuration and input error of
// this package.
var ErrInvalid = errors.New("prcomment: invalid")

// FieldError names the configuration or input field that is wrong.
type FieldError struct {
	Field  string // "provider", "status.state", ...
	Reason string
}

func (e *FieldError) Error() string { return "prcomment: " + e.Field + ": " + e.Reason }

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func fieldError(field, reason string) error { return &FieldError{Field: field, Reason: reason} }

// HostError is a request to the code host that failed: either the host
// answered with an error status (Status and the host's Message) or the request
// did not get an answer (Status 0, Err).
type HostError struct {
	Provider string // github, gitea
	Op       string // what was being done: "post comment on o/r#42"
	Status   int    // HTTP status; 0 when there was no answer
	Message  string // the host's message, secrets masked
	Err      error  // the transport error when Status is 0
	detail   string // Err's text with secrets masked
}

func (e *HostError) Error() string {
	s := "prcomment: " + e.Provider + ": " + e.Op + ": "
	if e.Status == 0 {
		return s + e.detail
	}
	s += strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func (e *HostError) Unwrap() error { return e.Err }

// maxMessage bounds the host's message kept in an error.
const maxMessage = 500

// defaultSecondaryWait is what GitHub asks for after a secondary rate limit
// without a Retry-After header: "wait for at least one minute" (GitHub REST
// docs, "Rate limits for the REST API", secondary rate limits).
const defaultSecondaryWait = time.Minute

// classify turns a host error answer into the invoker's vocabulary:
// permanent, retry after a delay, or plain retryable.
func classify(he *HostError, h http.Header, now time.Time) error {
	switch s := he.Status; {
	case s == 0:
		return he // no answer: retry with the invoker's backoff
	case s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || s >= 500:
		if wait, ok := retryWait(h, now); ok {
			return functions.RetryAfter(he, wait)
		}
		return he
	case s == http.StatusForbidden && isRateLimited(h):
		wait, ok := retryWait(h, now)
		if !ok {
			wait = defaultSecondaryWait
		}
		return functions.RetryAfter(he, wait)
	case s >= 400:
		// 400, 401, 403, 404, 410, 422, 423 ...: the same request will get
		// the same answer.
		return functions.Permanent(he)
	default:
		return he
	}
}

// isRateLimited reports whether a 403 answer is a rate limit rather than a
// refusal: the primary limit sets X-RateLimit-Remaining: 0, the secondary one
// sends Retry-After.
func isRateLimited(h http.Header) bool {
	return h.Get("X-RateLimit-Remaining") == "0" || h.Get("Retry-After") != ""
}

// retryWait reads how long the host asked to wait: Retry-After (seconds or an
// HTTP date) first, then X-RateLimit-Reset (Unix seconds) when the limit is
// used up. A wait in the past becomes one second.
func retryWait(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			return atLeastOneSecond(time.Duration(n) * time.Second), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return atLeastOneSecond(t.Sub(now)), true
		}
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if n, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && n > 0 {
			return atLeastOneSecond(time.Unix(n, 0).Sub(now)), true
		}
	}
	return 0, false
}

// atLeastOneSecond rounds d up to whole seconds, the hosts' unit, and to
// at least one.
func atLeastOneSecond(d time.Duration) time.Duration {
	return max((d + time.Second - 1).Truncate(time.Second), time.Second)
}

// cut shortens a host message for an error.
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// masker hides secrets in text that leaves the function.
type masker struct{ m *functions.Masker }

func newMasker(secrets ...string) masker { return masker{m: functions.NewMasker(secrets...)} }

func (m masker) mask(s string) string { return m.m.Mask(s) }

// hostError builds a HostError with the message masked.
func (m masker) hostError(provider, op string, status int, msg string, err error) *HostError {
	he := &HostError{Provider: provider, Op: op, Status: status, Message: cut(m.mask(msg), maxMessage), Err: err}
	if err != nil {
		he.detail = m.mask(err.Error())
	}
	return he
}

// retryAt asks the invoker to retry at t (a rate limit's reset time).
func retryAt(he *HostError, t, now time.Time) error {
	if t.IsZero() {
		return functions.RetryAfter(he, defaultSecondaryWait)
	}
	return functions.RetryAfter(he, atLeastOneSecond(t.Sub(now)))
}

// retryAfter asks the invoker to retry after wait.
func retryAfter(he *HostError, wait time.Duration) error {
	return functions.RetryAfter(he, atLeastOneSecond(wait))
}
