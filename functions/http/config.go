package http

import (
	"errors"
	"fmt"
	nethttp "net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultMaxResponseBytes bounds how much of a reply is read.
const DefaultMaxResponseBytes = 1 << 20

// Config is the configuration block of an http function.
type Config struct {
	// URL is the endpoint, http or https; required. Userinfo and query are
	// allowed (some endpoints want a token there) and never shown.
	URL string `yaml:"url"`
	// Method is POST (default), PUT or PATCH.
	Method string `yaml:"method"`
	// Headers are added to every request (Authorization, API keys). The
	// CloudEvents, Content-Type and X-Codebridge-* headers are the function's.
	Headers map[string]string `yaml:"headers"`
	// Timeout bounds one request on top of the context deadline. In a codebridge
	// configuration file the engine takes the block's "timeout" as the
	// invocation deadline (which the context carries), so this field serves
	// decoders that pass the key through.
	Timeout Duration `yaml:"timeout"`
	// MaxResponseBytes bounds the reply read (default 1 MiB).
	MaxResponseBytes int64 `yaml:"maxResponseBytes"`
}

// Validate checks the configuration; errors name the field and never quote
// a header value or the URL's userinfo and query.
func (c Config) Validate() error {
	if c.URL == "" {
		return errors.New("url: is required")
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		// url.Parse's error quotes the whole URL.
		return errors.New("url: is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		// The scheme is not quoted: in "user:pass@host" it is the user name.
		return errors.New("url: must be an http or https URL")
	}
	if u.Host == "" {
		return errors.New("url: has no host")
	}
	switch strings.ToUpper(c.Method) {
	case "", nethttp.MethodPost, nethttp.MethodPut, nethttp.MethodPatch:
	default:
		return fmt.Errorf("method: must be POST, PUT or PATCH, got %q", c.Method)
	}
	for name, v := range c.Headers {
		if !validToken(name) {
			return fmt.Errorf("headers: %q is not a valid header name", name)
		}
		if reserved(name) {
			return fmt.Errorf("headers.%s: is set by the function and cannot be configured", name)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return fmt.Errorf("headers.%s: value must not contain CR, LF or NUL", name)
		}
	}
	if c.Timeout < 0 {
		return errors.New("timeout: must not be negative")
	}
	if c.MaxResponseBytes < 0 {
		return errors.New("maxResponseBytes: must not be negative")
	}
	return nil
}

func (c Config) withDefaults() Config {
	c.Method = strings.ToUpper(c.Method)
	if c.Method == "" {
		c.Method = nethttp.MethodPost
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return c
}

// reserved reports whether the function sets header name itself.
func reserved(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "content-type", "content-length", "host", "transfer-encoding", "connection":
		return true
	}
	return strings.HasPrefix(n, "ce-") || strings.HasPrefix(n, "x-codebridge-")
}

// validToken reports whether s is an RFC 9110 token, the syntax of a header
// name.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Duration reads "30s", "5m", "24h" (and whole days, "7d") from configuration,
// the same forms as the engine's durations.
type Duration time.Duration

// UnmarshalText parses a duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration in Go's form ("10s").
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && fmt.Sprint(days) == n {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use 30s, 5m, 24h or 7d)", s)
	}
	return v, nil
}
