package prcomment

import (
	"net/url"
	"strconv"
	"strings"
)

// Hidden markers are HTML comments: GitHub and Gitea render markdown without
// them, so readers see only the text while the function can find its own
// comments again. Keys and ids are query-escaped so that no input can close
// the HTML comment early ("-->") or break the line.

// invocationMarker is carried by every comment the function writes.
func invocationMarker(invocationID string) string {
	return "<!-- codebridge:invocation " + url.QueryEscape(invocationID) + " -->"
}

// stickyMarker opens the sticky comment of one key on one pull request.
func stickyMarker(key string, pr int) string {
	return "<!-- codebridge:sticky key=" + url.QueryEscape(key) + " pr=" + strconv.Itoa(pr) + " -->"
}

const stickyPrefix = "<!-- codebridge:sticky "

// commentBody is a plain comment's body as posted.
func commentBody(text, invocationID string) string {
	return strings.TrimRight(text, "\r\n") + "\n\n" + invocationMarker(invocationID)
}

// stickyBody is a sticky comment's body as posted.
func stickyBody(text, key string, pr int, invocationID string) string {
	return stickyMarker(key, pr) + "\n" + strings.TrimRight(text, "\r\n") + "\n\n" + invocationMarker(invocationID)
}

// isSticky reports whether body opens with a sticky marker (of any key).
// Only the opening counts: a user who quotes the comment ("> <!-- ...") does
// not make a second sticky comment.
func isSticky(body string) bool {
	return strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), stickyPrefix)
}

// isStickyFor reports whether body is the sticky comment of key on pr.
func isStickyFor(body, key string, pr int) bool {
	return strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), stickyMarker(key, pr))
}

// isPostedBy reports whether body is a plain comment that this invocation
// posted.
func isPostedBy(body, invocationID string) bool {
	return !isSticky(body) && strings.Contains(body, invocationMarker(invocationID))
}
