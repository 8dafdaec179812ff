package notify

import (
	"errors"
	"fmt"
	"net/url"
)

// redactURL returns the part of an endpoint that is safe to show: scheme and
// host. User information, the path (a Slack hook's path is its token) and the
// query are dropped; "…" marks that something was.
func redactURL(u *url.URL) string {
	s := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		s += "/…"
	}
	return s
}

// redactTransportError rewrites the *url.Error that net/http returns, whose
// message holds the full URL, to name the redacted target instead.
func redactTransportError(err error, target string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, target, ue.Err)
	}
	return err
}
