package replicate

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// Schemes git may be given. Anything else (ext::, fd::, a remote helper) is
// refused before git sees it, and GIT_ALLOW_PROTOCOL says the same to git.
var allowedSchemes = map[string]bool{"file": true, "git": true, "ssh": true, "http": true, "https": true}

// allowProtocol is GIT_ALLOW_PROTOCOL for every git run.
const allowProtocol = "file:git:ssh:http:https"

// repoURL is a repository location checked for use on a git command line.
type repoURL struct {
	// git is what git is given: the URL without its password (which goes to
	// git through GIT_ASKPASS instead), or a local path.
	git string
	// redacted is the URL without any user information, for logs and events.
	redacted string
	// key identifies the repository regardless of credentials and of
	// file:// versus a plain path.
	key      string
	scheme   string // "" for a local path
	user     string
	password string
}

// parseRepoURL checks raw (an event's clone URL, which is untrusted, or a
// configured target) and splits off its credentials. It accepts http(s)://,
// ssh://, git:// and file:// URLs and absolute paths; scp-like host:path is
// refused because it cannot be told apart from a relative path reliably.
func parseRepoURL(raw string) (repoURL, error) {
	switch {
	case raw == "":
		return repoURL{}, fmt.Errorf("is required")
	case strings.IndexFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return repoURL{}, fmt.Errorf("contains control characters")
	case strings.HasPrefix(raw, "-"):
		return repoURL{}, fmt.Errorf("must not start with '-'")
	}
	if !strings.Contains(raw, "://") {
		if !filepath.IsAbs(raw) {
			return repoURL{}, fmt.Errorf("must be an http(s)://, ssh://, git:// or file:// URL or an absolute path (for scp-like host:path write ssh://user@host/path)")
		}
		p := filepath.Clean(raw)
		return repoURL{git: raw, redacted: raw, key: p}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the input, which may hold a password.
		return repoURL{}, fmt.Errorf("is not a valid URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if !allowedSchemes[scheme] {
		return repoURL{}, fmt.Errorf("scheme %q is not supported (use https, http, ssh, git or file)", u.Scheme)
	}
	r := repoURL{scheme: scheme}
	if u.User != nil {
		r.user = u.User.Username()
		r.password, _ = u.User.Password()
	}
	switch {
	case strings.HasPrefix(r.user, "-"):
		return repoURL{}, fmt.Errorf("user name must not start with '-'")
	case r.password != "" && scheme != "http" && scheme != "https":
		return repoURL{}, fmt.Errorf("a password in the URL is only used with http(s); use sshKeyFile for ssh")
	case u.RawQuery != "" || u.Fragment != "":
		return repoURL{}, fmt.Errorf("must not have a query or fragment")
	}
	if scheme == "file" {
		if u.Host != "" && u.Host != "localhost" {
			return repoURL{}, fmt.Errorf("file:// URL must name a local path (file:///srv/repo.git)")
		}
		if r.user != "" {
			return repoURL{}, fmt.Errorf("file:// URL must not have user information")
		}
		if !filepath.IsAbs(u.Path) {
			return repoURL{}, fmt.Errorf("file:// URL must have an absolute path")
		}
		r.git = raw
		r.redacted = raw
		r.key = filepath.Clean(u.Path)
		return r, nil
	}
	if u.Hostname() == "" || strings.HasPrefix(u.Host, "-") {
		return repoURL{}, fmt.Errorf("must name a host")
	}
	g := *u
	g.User = nil
	if r.user != "" && r.password == "" {
		// With a password, askpass answers both prompts, so the URL that
		// git is given (and shows in ps) carries no user information.
		g.User = url.User(r.user)
	}
	r.git = g.String()
	g.User = nil
	g.Host = strings.ToLower(g.Host)
	r.redacted = g.String()
	r.key = r.redacted
	return r, nil
}

// withCredentials returns r set up for a user name and a password: for
// http(s) with a password the askpass helper answers both prompts and the
// URL stays without user information; otherwise (ssh) the user goes into
// the URL.
func (r repoURL) withCredentials(user, password string) repoURL {
	r.user, r.password = user, password
	u, err := url.Parse(r.git)
	if err != nil || r.scheme == "" || r.scheme == "file" {
		return r
	}
	u.User = nil
	if user != "" && (password == "" || (r.scheme != "http" && r.scheme != "https")) {
		u.User = url.User(user)
	}
	r.git = u.String()
	return r
}
