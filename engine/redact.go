package engine

import (
	"errors"
	"github.com/codebridge/codebridge/internal/redact"
	"strings"
)

// redactURL removes credentials from a NATS URL list so it can be logged.
func redactURL(raw string) string { return redact.URLList(raw) }

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
