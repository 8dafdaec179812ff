package http

import (
	"errors"
	"fmt"
	nethttp "net/http"
	"net/url"
	"strings"

	"github.com/codebridge/codebridge/functions"
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
		if !functions.ValidHeaderName(name) {
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

// Duration reads "30s", "5m", "24h" (and whole days, "7d") from configuration,
// the same forms as the engine's durations.
type Duration = functions.Duration
