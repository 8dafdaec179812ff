package webhook

import (
	"fmt"
	"strings"
	"time"

	"github.com/codebridge/codebridge/events"
)

// Batch collects the events one delivery maps to. Events gives them their
// ids (the delivery id, with an index when there are several) and validates
// them.
type Batch struct {
	delivery string
	items    []pending
}

type pending struct {
	typ, source, subject string
	time                 time.Time
	data                 any
}

// NewBatch starts the events of the delivery with the given id.
func NewBatch(deliveryID string) *Batch { return &Batch{delivery: deliveryID} }

// Add queues an event. source is the repository's web URL, subject the ref
// or pull request number; a zero t leaves the time attribute unset (the
// payload had none).
func (b *Batch) Add(typ, source, subject string, t time.Time, data any) {
	b.items = append(b.items, pending{typ: typ, source: source, subject: subject, time: t, data: data})
}

// Events builds and validates the queued events. An event that does not
// validate makes the whole delivery ErrMalformed, with the field named.
func (b *Batch) Events() ([]events.Event, error) {
	out := make([]events.Event, 0, len(b.items))
	for i, p := range b.items {
		opts := []events.Option{
			events.WithID(EventID(b.delivery, i, len(b.items))),
			events.WithTime(p.time),
		}
		if p.subject != "" {
			opts = append(opts, events.WithSubject(p.subject))
		}
		e, err := events.New(p.typ, p.source, p.data, opts...)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Push is one reference update as every provider reports it.
type Push struct {
	Repository events.Repository
	Source     string // the repository's web URL
	Ref        string // refs/heads/main, refs/tags/v1
	Before     string // all zeros when the ref was created
	After      string // all zeros when the ref was deleted
	Pusher     string
	Forced     bool
	Time       time.Time
}

// AddPush queues the reference event of p: referenceCreated when Before is
// all zeros, referenceDeleted when After is, referenceUpdated otherwise. A ref
// that is neither a branch nor a tag (refs/notes, refs/pull) is ErrIgnored.
func (b *Batch) AddPush(p Push) error {
	kind, name, ok := SplitRef(p.Ref)
	if !ok {
		return Ignored("push to %q, which is neither a branch nor a tag", p.Ref)
	}
	d := &events.ReferenceData{
		Repository:        p.Repository,
		ReferenceFullName: p.Ref,
		ReferenceName:     name,
		ReferenceType:     kind,
		Pusher:            p.Pusher,
		Forced:            p.Forced,
	}
	before, after := p.Before, p.After
	if IsZeroSHA(before) {
		before = ""
	}
	if IsZeroSHA(after) {
		after = ""
	}
	d.CommitID, d.OldCommitID = after, before
	typ := events.ReferenceUpdated
	switch {
	case before == "" && after == "":
		return Malformed("push to %q names neither an old nor a new commit", p.Ref)
	case before == "":
		typ = events.ReferenceCreated
	case after == "":
		typ = events.ReferenceDeleted
	}
	b.Add(typ, p.Source, p.Ref, p.Time, d)
	return nil
}

// IsZeroSHA reports whether s is an all-zeros object id, the "no commit"
// that providers send for a created or deleted ref (40 zeros for SHA-1
// repositories, 64 for SHA-256).
func IsZeroSHA(s string) bool {
	return s != "" && strings.Trim(s, "0") == ""
}

// SplitRef splits refs/heads/x into ("branch", "x") and refs/tags/x into
// ("tag", "x"); ok is false for any other ref.
func SplitRef(ref string) (kind, name string, ok bool) {
	if n, found := strings.CutPrefix(ref, "refs/heads/"); found && n != "" {
		return events.ReferenceTypeBranch, n, true
	}
	if n, found := strings.CutPrefix(ref, "refs/tags/"); found && n != "" {
		return events.ReferenceTypeTag, n, true
	}
	return "", "", false
}

// BranchRef turns a branch name from a pull request payload into its full
// ref. A name that already is a full ref is kept.
func BranchRef(branch string) string {
	if branch == "" || strings.HasPrefix(branch, "refs/") {
		return branch
	}
	return "refs/heads/" + branch
}
