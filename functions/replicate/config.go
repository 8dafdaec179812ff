package replicate

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the block of a `type: replicate` function:
//
//	mirror-eu:
//	  type: replicate
//	  targets:
//	    - ssh://git@eu.example/app.git
//	    - { url: https://eu.example/app.git, name: eu, token: ${EU_TOKEN} }
//	    - file:///srv/mirror.git
//	  repositories: [ acme/app, "acme/lib-*" ]
type Config struct {
	// Targets are the remotes every source is mirrored to (the "regions").
	Targets []Target `yaml:"targets"`
	// Repositories optionally limits which sources this function mirrors:
	// each entry is a path.Match pattern compared with the event's
	// repository fullName, name and clone URL (without user information).
	// Events for other repositories are skipped. Empty mirrors every source.
	Repositories []string `yaml:"repositories"`
	// Timeout bounds one run (fetch plus every push). The engine's
	// per-invocation timeout bounds the whole invocation and is the usual
	// place for it; the field is accepted here so the block decodes either
	// way.
	Timeout string `yaml:"timeout"`
}

// Target is one remote. In YAML it is either a URL string or a mapping.
type Target struct {
	// URL is https://, http://, ssh://, git://, file:// or an absolute path.
	URL string `yaml:"url"`
	// Name appears in events, logs and status (default: the URL's host and
	// path without user information). Names are unique within a function.
	Name string `yaml:"name"`
	// Token is an HTTPS password or access token, handed to git through
	// GIT_ASKPASS, never on a command line.
	Token string `yaml:"token"`
	// Username goes with Token (default "x-access-token", which GitHub
	// expects and Gitea and GitLab accept) or is the ssh:// user.
	Username string `yaml:"username"`
	// SSHKeyFile is the private key for an ssh:// target.
	SSHKeyFile string `yaml:"sshKeyFile"`
}

// targetFields are the keys of the mapping form, in the order they are
// listed in messages.
var targetFields = []string{"url", "name", "token", "username", "sshKeyFile"}

// UnmarshalYAML reads either form of a target, refusing unknown keys.
func (t *Target) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*t = Target{URL: n.Value}
		return nil
	case yaml.MappingNode:
	default:
		return fmt.Errorf("a target is a URL string or a mapping with %s", strings.Join(targetFields, ", "))
	}
	var out Target
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("%s: want a string", k.Value)
		}
		switch k.Value {
		case "url":
			out.URL = v.Value
		case "name":
			out.Name = v.Value
		case "token":
			out.Token = v.Value
		case "username":
			out.Username = v.Value
		case "sshKeyFile":
			out.SSHKeyFile = v.Value
		default:
			return fmt.Errorf("unknown field %q (known: %s)", k.Value, strings.Join(targetFields, ", "))
		}
	}
	*t = out
	return nil
}

// defaultTokenUser is the user name sent with a token when none is given.
const defaultTokenUser = "x-access-token"

// target is a validated Target.
type target struct {
	name   string
	url    repoURL
	token  string // the HTTPS password, from token: or the URL
	sshKey string
}

// settings is a validated Config.
type settings struct {
	targets []target
	repos   []string
	timeout time.Duration // 0: only the invocation's deadline
}

// validate checks c and resolves its defaults. Errors name the field and
// never quote a value.
func (c Config) validate() (settings, error) {
	var s settings
	if len(c.Targets) == 0 {
		return s, configError("targets", "at least one target is required")
	}
	seen := map[string]int{}
	for i, t := range c.Targets {
		field := fmt.Sprintf("targets[%d]", i)
		tg, err := t.validate(field)
		if err != nil {
			return s, err
		}
		if j, dup := seen[tg.name]; dup {
			return s, configError(field+".name", fmt.Sprintf("%q is also the name of targets[%d]; give one of them a name", tg.name, j))
		}
		seen[tg.name] = i
		s.targets = append(s.targets, tg)
	}
	for i, p := range c.Repositories {
		if _, err := path.Match(p, ""); err != nil || p == "" {
			return s, configError(fmt.Sprintf("repositories[%d]", i), "must be a non-empty path.Match pattern")
		}
	}
	s.repos = slices.Clone(c.Repositories)
	if c.Timeout != "" {
		d, err := time.ParseDuration(c.Timeout)
		if err != nil || d <= 0 {
			return s, configError("timeout", fmt.Sprintf("must be a positive duration such as 30m, got %q", c.Timeout))
		}
		s.timeout = d
	}
	return s, nil
}

func (t Target) validate(field string) (target, error) {
	u, err := parseRepoURL(t.URL)
	if err != nil {
		return target{}, configError(field+".url", err.Error())
	}
	tg := target{name: t.Name, token: t.Token, sshKey: t.SSHKeyFile}
	if tg.name == "" {
		tg.name = displayName(t.URL)
	}
	if strings.IndexFunc(tg.name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return target{}, configError(field+".name", "contains control characters")
	}
	web := u.scheme == "http" || u.scheme == "https"
	switch {
	case u.password != "" && t.Token != "":
		return target{}, configError(field+".token", "is given twice (also as the URL's password); keep it in token only")
	case u.password != "":
		tg.token = u.password
	}
	switch {
	case tg.token != "" && !web:
		return target{}, configError(field+".token", "is only used with https:// targets")
	case tg.token != "" && u.scheme == "http":
		return target{}, configError(field+".token", "would be sent in clear text over http://; use https://")
	case t.SSHKeyFile != "" && u.scheme != "ssh":
		return target{}, configError(field+".sshKeyFile", "is only used with ssh:// targets")
	case t.Username != "" && !web && u.scheme != "ssh":
		return target{}, configError(field+".username", "is only used with https:// and ssh:// targets")
	case t.Username != "" && u.user != "" && t.Username != u.user:
		return target{}, configError(field+".username", "differs from the user in the URL")
	case strings.HasPrefix(t.Username, "-"):
		return target{}, configError(field+".username", "must not start with '-'")
	}
	if t.SSHKeyFile != "" {
		if _, err := os.Stat(t.SSHKeyFile); err != nil {
			return target{}, configError(field+".sshKeyFile", "cannot be read: "+err.Error())
		}
	}
	user := t.Username
	if user == "" {
		user = u.user
	}
	if user == "" && tg.token != "" {
		user = defaultTokenUser
	}
	tg.url = u.withCredentials(user, tg.token)
	return tg, nil
}
