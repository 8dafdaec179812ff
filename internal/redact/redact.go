// Package redact removes credentials from URLs before they are logged or
// put in an error or an event: user information (a user name, a password or
// a token) and the query and fragment, which some hosts use for tokens.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// URL returns raw without credentials. A local path or an scp-style address
// (git@host:repo) is returned unchanged; text that does not parse as a URL
// has anything that looks like user information removed.
func URL(raw string) string {
	i := strings.Index(raw, "://")
	if i <= 0 || !schemeRE.MatchString(raw[:i]) || strings.ContainsAny(raw, " \t\r\n") {
		return Text(raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return Text(raw)
	}
	u.User = nil
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	return u.String()
}

// URLList redacts each URL of a comma-separated list, the form NATS server
// lists take.
func URLList(raw string) string {
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		parts[i] = URL(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

// Text removes the user information of every URL in free text (a tool's
// error message quoting the URL it was given).
func Text(s string) string { return userinfoRE.ReplaceAllString(s, "$1") }

var (
	schemeRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*$`)
	userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)[^/@\s'"]*@`)
)
