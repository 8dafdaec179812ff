package engine

import (
	"errors"
	"net/url"
	"strings"
)

// redactURL removes user information and the query from a URL so it can be
// logged: both can carry credentials.
func redactURL(raw string) string {
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.Host == "" {
			continue
		}
		u.User = nil
		u.RawQuery = ""
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}

// redactURLErr rewrites err's text so the URL's credentials never show.
func redactURLErr(err error, raw string) error {
	if err == nil || raw == "" {
		return err
	}
	msg := err.Error()
	if red := redactURL(raw); red != raw {
		msg = strings.ReplaceAll(msg, raw, red)
	}
	return errors.New(msg)
}
