package build

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/codebridge/codebridge/functions"
)

// Config is the function's block in the codebridge configuration:
//
//	ci:
//	  type: build
//	  buildspec: buildspec.yml      # path in the repository
//	  timeout: 30m                  # default 60m
//	  environment: {GOFLAGS: -mod=mod}
//	  workdir: /var/lib/codebridge/work   # default <data dir>/workspaces
//	  cancelSuperseded: true
//	  project: app                  # default: the repository's name
//	  secretsForForks: false
//	  publicURL: http://127.0.0.1:8080
//	  repository: /srv/git/app.git  # for events that name no repository
//	  branch: main                  # ditto, and the cache fallback branch
type Config struct {
	Buildspec        string            `yaml:"buildspec"`
	Timeout          Duration          `yaml:"timeout"`
	Concurrency      int               `yaml:"concurrency"`
	Environment      map[string]string `yaml:"environment"`
	Workdir          string            `yaml:"workdir"`
	CancelSuperseded bool              `yaml:"cancelSuperseded"`
	Project          string            `yaml:"project"`
	SecretsForForks  bool              `yaml:"secretsForForks"`
	PublicURL        string            `yaml:"publicURL"`
	Repository       string            `yaml:"repository"`
	Branch           string            `yaml:"branch"`
	// HeartbeatInterval is how often a running build proves it is alive
	// (default 10s); the reaper declares a build lost after three.
	HeartbeatInterval Duration `yaml:"heartbeatInterval"`
}

// Defaults.
const (
	DefaultBuildspec = "buildspec.yml"
	DefaultTimeout   = 60 * time.Minute
	DefaultHeartbeat = 10 * time.Second
	DefaultBranch    = "main"
	DefaultPublicURL = "http://127.0.0.1:8080"
)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// withDefaults fills what the block left out.
func (c Config) withDefaults() Config {
	if c.Buildspec == "" {
		c.Buildspec = DefaultBuildspec
	}
	if c.Timeout <= 0 {
		c.Timeout = Duration(DefaultTimeout)
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = Duration(DefaultHeartbeat)
	}
	if c.Branch == "" {
		c.Branch = DefaultBranch
	}
	if c.PublicURL == "" {
		c.PublicURL = DefaultPublicURL
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	return c
}

// Validate reports the first bad field, by its YAML name.
func (c Config) Validate() error {
	if strings.HasPrefix(c.Buildspec, "/") || hasDotDot(c.Buildspec) {
		return fmt.Errorf("buildspec: must be a path inside the repository, got %q", c.Buildspec)
	}
	for k := range c.Environment {
		if !envName.MatchString(k) {
			return fmt.Errorf("environment.%s: is not a variable name", k)
		}
		if strings.HasPrefix(k, "CODEBRIDGE_") {
			return fmt.Errorf("environment.%s: names starting with CODEBRIDGE_ are reserved", k)
		}
	}
	if c.Concurrency < 0 {
		return fmt.Errorf("concurrency: must not be negative")
	}
	if c.Timeout < 0 {
		return fmt.Errorf("timeout: must not be negative")
	}
	if c.HeartbeatInterval < 0 {
		return fmt.Errorf("heartbeatInterval: must not be negative")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("publicURL: must be an http(s) URL, got %q", c.PublicURL)
		}
	}
	if c.Project != "" && keySafe(c.Project) != c.Project {
		return fmt.Errorf("project: use letters, digits, '-' and '_' only, got %q", c.Project)
	}
	if strings.HasPrefix(c.Repository, "-") {
		return fmt.Errorf("repository: must be a URL or path, got %q", c.Repository)
	}
	return nil
}

func hasDotDot(p string) bool {
	for _, s := range strings.Split(p, "/") {
		if s == ".." {
			return true
		}
	}
	return false
}

// Duration reads "30s", "5m", "1h30m" (and whole days, "7d").
type Duration = functions.Duration

// keySafe maps s to the characters KV keys, subjects and URLs all accept.
func keySafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}
