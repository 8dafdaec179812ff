package prcomment

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/codebridge/codebridge/functions"
)

// Providers.
const (
	ProviderGitHub  = "github"
	ProviderGitea   = "gitea"
	ProviderForgejo = "forgejo" // Gitea's API; events name the channel "forgejo"
)

// Defaults.
const (
	DefaultGitHubURL = "https://api.github.com"
	DefaultTimeout   = 30 * time.Second // per request
	DefaultUserAgent = "codebridge-prcomment"
)

// Config is a prcomment function's block in the configuration:
//
//	pr-bot: { type: prcomment, provider: github, token: ${GITHUB_TOKEN} }
//	forge:  { type: prcomment, provider: gitea, baseURL: https://gitea.example/api/v1, token: ${GITEA_TOKEN} }
type Config struct {
	// Provider is github, gitea or forgejo.
	Provider string `yaml:"provider"`
	// Token authenticates the bot: a GitHub token (sent as a Bearer token) or
	// a Gitea/Forgejo access token (sent as "token <t>").
	Token string `yaml:"token"`
	// BaseURL is the REST API root. GitHub: https://api.github.com (the
	// default) or an Enterprise Server host, to which /api/v3 is added unless
	// it is there. Gitea/Forgejo: required, the server URL, to which /api/v1 is
	// added unless it is there.
	BaseURL string `yaml:"baseURL"`
	// RequestTimeout bounds each HTTP request (default 30s). The block's
	// timeout key belongs to the engine, which bounds the whole invocation
	// with it; both apply.
	RequestTimeout Duration `yaml:"requestTimeout"`
	// UserAgent is sent with every request (default codebridge-prcomment);
	// GitHub refuses requests without one.
	UserAgent string `yaml:"userAgent"`
}

// Duration is a time.Duration that reads "30s" (or "7d") from the
// configuration.
type Duration = functions.Duration

// withDefaults returns c with defaults filled in.
func (c Config) withDefaults() Config {
	c.Provider = strings.ToLower(strings.TrimSpace(c.Provider))
	c.BaseURL = strings.TrimSpace(c.BaseURL)
	if c.BaseURL == "" && c.Provider == ProviderGitHub {
		c.BaseURL = DefaultGitHubURL
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = Duration(DefaultTimeout)
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	return c
}

// Validate reports the first missing or invalid field (after defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	switch c.Provider {
	case ProviderGitHub, ProviderGitea, ProviderForgejo:
	case "":
		return fieldError("provider", "is required (github, gitea or forgejo)")
	default:
		return fieldError("provider", "must be github, gitea or forgejo, got "+strconv.Quote(c.Provider))
	}
	if c.Token == "" {
		return fieldError("token", "is required (for example ${GITHUB_TOKEN})")
	}
	if strings.ContainsAny(c.Token, "\r\n") {
		return fieldError("token", "must be one line")
	}
	if c.BaseURL == "" {
		return fieldError("baseURL", "is required for "+c.Provider+" (for example https://gitea.example/api/v1)")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldError("baseURL", "must be an http or https URL, got "+strconv.Quote(c.BaseURL))
	}
	if u.User != nil {
		// A password in the URL would end up in error messages.
		return fieldError("baseURL", "must not carry user information; use token")
	}
	if c.RequestTimeout < 0 {
		return fieldError("requestTimeout", "must not be negative")
	}
	return nil
}
