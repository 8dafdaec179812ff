package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

// Badge states.
const (
	BadgePassing = "passing"
	BadgeFailing = "failing"
	BadgeUnknown = "unknown"
)

// badgeState maps a build status to a badge; only finished verdicts count,
// so a stopped or superseded build leaves the badge as it was.
func badgeState(status string) (string, bool) {
	switch status {
	case StatusSucceeded:
		return BadgePassing, true
	case StatusFailed, StatusTimedOut:
		return BadgeFailing, true
	}
	return BadgeUnknown, false
}

var badgeColors = map[string]string{BadgePassing: "#4c1", BadgeFailing: "#e05d44", BadgeUnknown: "#9f9f9f"}

// badgeSVG draws a flat shields-style badge "build | <state>". Widths are
// estimated at 7px per character of Verdana 11px, which is what the
// shields.io flat style uses as its average.
func badgeSVG(state string) []byte {
	const label = "build"
	lw := 10 + 7*len(label)
	rw := 10 + 7*len(state)
	w := lw + rw
	color := badgeColors[state]
	if color == "" {
		color = badgeColors[BadgeUnknown]
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s: %s">`, w, label, state)
	fmt.Fprintf(&b, `<title>%s: %s</title>`, label, state)
	b.WriteString(`<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`)
	fmt.Fprintf(&b, `<clipPath id="r"><rect width="%d" height="20" rx="3" fill="#fff"/></clipPath>`, w)
	fmt.Fprintf(&b, `<g clip-path="url(#r)"><rect width="%d" height="20" fill="#555"/><rect x="%d" width="%d" height="20" fill="%s"/><rect width="%d" height="20" fill="url(#s)"/></g>`, lw, lw, rw, color, w)
	b.WriteString(`<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`)
	fmt.Fprintf(&b, `<text x="%d" y="15" fill="#010101" fill-opacity=".3">%s</text><text x="%d" y="14">%s</text>`, lw/2, label, lw/2, label)
	fmt.Fprintf(&b, `<text x="%d" y="15" fill="#010101" fill-opacity=".3">%s</text><text x="%d" y="14">%s</text>`, lw+rw/2, state, lw+rw/2, state)
	b.WriteString(`</g></svg>`)
	return []byte(b.String())
}

func etag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

// pathEscapeBranch escapes each segment of a branch name for a URL path.
func pathEscapeBranch(branch string) string {
	parts := strings.Split(branch, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
