package replicate

import (
	"github.com/codebridge/codebridge/internal/redact"
	"strings"

	"github.com/codebridge/codebridge/functions"
)

// RedactURL returns a repository URL that is safe to log or put in an event:
// user information (a user name, a password or token) is removed and so are
// the query and fragment, which some hosts use for tokens. A local path is
// returned unchanged; text that does not parse as a URL has anything that
// looks like user information removed.
func RedactURL(raw string) string { return redact.URL(raw) }

// scrubUserinfo removes user information from every URL in s.
func scrubUserinfo(s string) string { return redact.Text(s) }

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
