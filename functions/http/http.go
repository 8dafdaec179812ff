package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// Type is the function type name used in configuration.
const Type = "http"

// Headers that let a receiver deduplicate redeliveries of one invocation.
const (
	HeaderInvocationID = "X-Codebridge-Invocation-Id"
	HeaderAttempt      = "X-Codebridge-Attempt"
)

func init() {
	functions.Register(functions.Spec{
		Type:    Type,
		Summary: "deliver the event to a URL in CloudEvents HTTP binary mode; a CloudEvent in the reply is emitted",
		New:     New,
	})
}

// Function delivers invocations to one HTTP endpoint.
type Function struct {
	cfg    Config
	url    *url.URL
	shown  string // the URL as errors show it
	mask   *functions.Masker
	client *nethttp.Client
	log    zerolog.Logger
}

var (
	_ functions.Function = (*Function)(nil)
	_ functions.Closer   = (*Function)(nil)
)

// New is the http factory.
func New(name string, decode func(v any) error, deps functions.Deps) (functions.Function, error) {
	var cfg Config
	if err := decode(&cfg); err != nil {
		return nil, fmt.Errorf("http %q: %w", name, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("http %q: %w", name, err)
	}
	cfg = cfg.withDefaults()
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("http %q: url: is not a valid URL", name)
	}
	m := functions.NewMasker(append(urlSecrets(u), deps.Secrets...)...)
	transport := nethttp.DefaultTransport.(*nethttp.Transport).Clone()
	return &Function{
		cfg:   cfg,
		url:   u,
		shown: redact(u, m),
		mask:  m,
		client: &nethttp.Client{
			Transport: transport,
			// A redirect would carry the body and the configured headers
			// (API keys) to wherever the endpoint points; it is reported
			// instead.
			CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse },
		},
		log: deps.Logger,
	}, nil
}

// redact returns u as errors and logs may show it: without userinfo, query
// and fragment, which may hold tokens, with the secrets in its path masked,
// and without its path when a secret runs into it from outside (a webhook
// URL that is one secret as a whole).
func redact(u *url.URL, m *functions.Masker) string {
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
	hostOnly := (&url.URL{Scheme: u.Scheme, Host: u.Host}).String() + "/" + functions.Masked
	raw := u.String()
	prefix := (&url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host}).String()
	if !strings.HasPrefix(raw, prefix) {
		return m.Mask(hostOnly)
	}
	ps, pe := len(prefix), len(prefix)+len(u.EscapedPath())
	for start, end := range m.Spans(raw) {
		inPath := start >= ps && end <= pe
		if !inPath && start < pe && end > ps {
			return m.Mask(hostOnly)
		}
	}
	return m.Mask(shown)
}

// urlSecrets returns the parts of u that are likely credentials even when
// they were written into the configuration verbatim rather than as ${VAR}: the
// password and the longer query values. An endpoint that echoes its request
// URL in an error reply must not put them in the error.
func urlSecrets(u *url.URL) []string {
	var out []string
	if p, ok := u.User.Password(); ok && p != "" {
		out = append(out, p)
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			if len(v) >= 8 {
				out = append(out, v)
			}
		}
	}
	return out
}

// Close drops the idle connections.
func (f *Function) Close() error {
	f.client.CloseIdleConnections()
	return nil
}

// Invoke delivers the invocation. See the package documentation.
func (f *Function) Invoke(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
	if t := time.Duration(f.cfg.Timeout); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	if inv.Event.Context == nil {
		return functions.Result{}, functions.Permanent(errors.New("http: the invocation carries no event to deliver"))
	}
	req, err := f.request(ctx, inv)
	if err != nil {
		return functions.Result{}, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		// *url.Error quotes the whole URL; only its cause is kept.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return functions.Result{}, fmt.Errorf("http: %s %s: %w", f.cfg.Method, f.shown, maskedError{err, f.mask})
	}
	defer func() {
		// Drain a little so the connection can be reused; not a huge reply.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		resp.Body.Close()
	}()
	f.log.Debug().Str("invocation", inv.ID).Int("status", resp.StatusCode).Msg("delivered")
	return f.response(resp)
}

// request builds the binary-mode request for inv.
func (f *Function) request(ctx context.Context, inv functions.Invocation) (*nethttp.Request, error) {
	e := inv.Event
	body, contentType := e.Data(), e.DataContentType()
	if contentType == "" && len(body) > 0 {
		contentType = "application/json"
	}
	if custom(inv.Input) {
		body, contentType = inv.Input, "application/json"
	}
	req, err := nethttp.NewRequestWithContext(ctx, f.cfg.Method, f.url.String(), bytes.NewReader(body))
	if err != nil {
		return nil, functions.Permanent(fmt.Errorf("http: build request for %s: %w", f.shown, maskedError{err, f.mask}))
	}
	for k, v := range f.cfg.Headers {
		req.Header.Set(k, v)
	}
	if err := events.ToHeaders(e, req.Header.Set); err != nil {
		return nil, functions.Permanent(fmt.Errorf("http: encode event %s: %w", e.ID(), err))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set(HeaderInvocationID, inv.ID)
	req.Header.Set(HeaderAttempt, strconv.Itoa(inv.Attempt))
	req.Header.Set("User-Agent", "codebridge")
	return req, nil
}

// custom reports whether input is a rule's input expression value rather than
// the event in JSON form (which the invoker passes when a target has no
// input, and which carries "specversion"): then the input is the body.
func custom(input json.RawMessage) bool {
	if len(bytes.TrimSpace(input)) == 0 {
		return false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(input, &obj) != nil {
		return true // a string, a number, an array: not an event
	}
	_, isEvent := obj["specversion"]
	return !isEvent
}

// maskedError shows err's text with the secrets masked and still unwraps to
// err, so errors.Is(err, context.DeadlineExceeded) keeps working.
type maskedError struct {
	err  error
	mask *functions.Masker
}

func (e maskedError) Error() string { return e.mask.Mask(e.err.Error()) }
func (e maskedError) Unwrap() error { return e.err }
