package webhook

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// timeLayouts are the timestamp forms the providers use: RFC 3339 (GitHub,
// Gitea, GitLab's newer fields) and GitLab's "2015-05-17 18:08:09 UTC".
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05Z07:00",
}

// ParseTime reads a payload timestamp. It returns the zero time when s is
// empty or in no known form: a delivery is not refused over its clock.
func ParseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// ParseTimeJSON reads a timestamp that is either a JSON string or a number
// of Unix seconds (GitHub's push payload uses both for the same fields).
func ParseTimeJSON(raw json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return ParseTime(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if sec, err := strconv.ParseInt(n.String(), 10, 64); err == nil && sec > 0 && sec < 1<<33 {
			return time.Unix(sec, 0).UTC()
		}
	}
	return time.Time{}
}
