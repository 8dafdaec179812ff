package replicate

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/codebridge/codebridge/functions"
)

// RedactURL returns a repository URL that is safe to log or put in an event:
// user information (a user name, a password or token) is removed and so are
// the query and fragment, which some hosts use for tokens. A local path is
// returned unchanged; text that does not parse as a URL has anything that
// looks like user information removed.
func RedactURL(raw string) string {
	i := strings.Index(raw, "://")
	if i <= 0 || !schemeRE.MatchString(raw[:i]) || strings.ContainsAny(raw, " \t\r\n") {
		return scrubUserinfo(raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return scrubUserinfo(raw)
	}
	u.User = nil
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	return u.String()
}

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*$`)

// userinfoRE finds "scheme://userinfo@" in free text (git's messages quote
// the URLs they were given).
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)[^/@\s'"]*@`)

// scrubUserinfo removes user information from every URL in s.
func scrubUserinfo(s string) string { return userinfoRE.ReplaceAllString(s, "$1") }

// displayName is a target's default name: the redacted URL without its
// scheme (host and path), or the path of a local or file:// target.
func displayName(raw string) string {
	r := RedactURL(raw)
	if _, rest, ok := strings.Cut(r, "://"); ok {
		return strings.TrimSuffix(rest, "/")
	}
	return r
}

// masker hides secrets (configured values, target tokens, a source URL's
// password) and URL user information in text that leaves the function: log
// lines, error messages, event data.
type masker struct{ m *functions.Masker }

func newMasker(secrets ...[]string) masker {
	var all []string
	for _, list := range secrets {
		all = append(all, list...)
	}
	return masker{m: functions.NewMasker(all...)}
}

// with returns a masker that also hides extra.
func (m masker) with(extra ...string) masker { return masker{m: m.m.With(extra...)} }

func (m masker) mask(s string) string { return scrubUserinfo(m.m.Mask(s)) }
