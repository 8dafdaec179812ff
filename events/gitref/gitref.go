// Package gitref turns a git reference change (old id, new id, ref name), as
// a post-receive hook or `git ls-remote` polling sees it, into the catalogue's
// referenceCreated, referenceUpdated or referenceDeleted event.
package gitref

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/codebridge/codebridge/internal/redact"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/codebridge/codebridge/events"
)

// ZeroID is git's id for "no object": the old id of a created ref and the new
// id of a deleted one.
const ZeroID = "0000000000000000000000000000000000000000"

// Change is one reference update.
type Change struct {
	Old, New, Ref string
}

// IsZero reports whether id is git's all-zeros id (SHA-1 or SHA-256 length)
// or empty.
func IsZero(id string) bool { return strings.Trim(id, "0") == "" }

// ParseLine reads one "<old> <new> <ref>" line of a post-receive hook's input.
func ParseLine(line string) (Change, error) {
	f := strings.Fields(line)
	if len(f) != 3 {
		return Change{}, fmt.Errorf("gitref: want \"<old> <new> <ref>\", got %q", line)
	}
	for _, id := range f[:2] {
		if !isHex(id) || (len(id) != 40 && len(id) != 64) {
			return Change{}, fmt.Errorf("gitref: %q is not an object id", id)
		}
	}
	if !strings.HasPrefix(f[2], "refs/") {
		return Change{}, fmt.Errorf("gitref: %q is not a ref", f[2])
	}
	return Change{Old: f[0], New: f[1], Ref: f[2]}, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// Repository describes a plain git repository (a path or URL) for events:
// user information is removed from the URL, since events are not a place for
// credentials.
func Repository(location string) events.Repository {
	clean := Redact(location)
	name := strings.TrimSuffix(path.Base(strings.TrimRight(filepath.ToSlash(clean), "/")), ".git")
	return events.Repository{Name: name, FullName: name, CloneURL: clean, Provider: "git"}
}

// Source is the CloudEvents source of a repository's events: its URL, or a
// file:// URL for a local path.
func Source(location string) string {
	clean := Redact(location)
	if strings.Contains(clean, "://") {
		return clean
	}
	if abs, err := filepath.Abs(clean); err == nil {
		clean = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(clean)}).String()
}

// Redact removes credentials from a repository URL; a path or an scp-style
// address (git@host:repo) is returned unchanged.
func Redact(location string) string { return redact.URL(location) }

// Event builds the catalogue event of one change. The id is derived from the
// repository and the change, so the same change seen twice (a hook retried, a
// poller restarted) is deduplicated by the event stream.
func Event(location string, c Change, pusher string) (events.Event, error) {
	typ := events.ReferenceUpdated
	switch {
	case IsZero(c.Old) && IsZero(c.New):
		return events.Event{}, fmt.Errorf("gitref: %s: both ids are zero", c.Ref)
	case IsZero(c.Old):
		typ = events.ReferenceCreated
	case IsZero(c.New):
		typ = events.ReferenceDeleted
	}
	data := &events.ReferenceData{
		Repository:        Repository(location),
		ReferenceFullName: c.Ref,
		Pusher:            pusher,
	}
	switch {
	case strings.HasPrefix(c.Ref, "refs/heads/"):
		data.ReferenceType, data.ReferenceName = events.ReferenceTypeBranch, strings.TrimPrefix(c.Ref, "refs/heads/")
	case strings.HasPrefix(c.Ref, "refs/tags/"):
		data.ReferenceType, data.ReferenceName = events.ReferenceTypeTag, strings.TrimPrefix(c.Ref, "refs/tags/")
	default:
		return events.Event{}, fmt.Errorf("gitref: %s is neither a branch nor a tag", c.Ref)
	}
	if !IsZero(c.New) {
		data.CommitID = c.New
	}
	if !IsZero(c.Old) {
		data.OldCommitID = c.Old
	}
	src := Source(location)
	sum := sha256.Sum256([]byte(src + "\x00" + c.Ref + "\x00" + c.Old + "\x00" + c.New))
	return events.New(typ, src, data,
		events.WithID("git-"+hex.EncodeToString(sum[:12])),
		events.WithSubject(c.Ref))
}
