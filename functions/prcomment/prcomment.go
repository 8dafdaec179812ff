package prcomment

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// Type is the function type name in the configuration.
const Type = "prcomment"

func init() {
	functions.Register(functions.Spec{
		Type:    Type,
		Summary: "comment on pull requests (new or sticky) and set commit statuses on GitHub, Gitea and Forgejo",
		New:     factory,
	})
}

func factory(name string, decode func(v any) error, deps functions.Deps) (functions.Function, error) {
	var cfg Config
	if err := decode(&cfg); err != nil {
		return nil, err
	}
	return New(name, cfg, deps)
}

// Commenter is a configured prcomment function instance. It is safe for
// concurrent use.
type Commenter struct {
	name    string
	channel string
	host    host
	log     zerolog.Logger
	running inflight
}

var _ functions.Function = (*Commenter)(nil)

// New builds a Commenter from its configuration; name is the instance's name
// in the configuration. The token and deps.Secrets are masked in every error.
func New(name string, cfg Config, deps functions.Deps) (*Commenter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("function %q: %w", name, err)
	}
	cfg = cfg.withDefaults()
	mask := newMasker(append([]string{cfg.Token}, deps.Secrets...)...)
	c := &Commenter{name: name, channel: cfg.Provider, log: deps.Logger}
	var err error
	switch cfg.Provider {
	case ProviderGitHub:
		c.host, err = newGitHub(cfg, mask)
	default:
		c.host, err = newGitea(cfg, mask)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// action is one thing an invocation did, for its event.
type action struct {
	kind   string // comment, sticky, status
	target string
	url    string
}

// Invoke posts the comment, updates the sticky comment and sets the status
// that the input asks for, in that order, and returns one notification.sent
// event per action. A retry of the same invocation (same inv.ID) finds what
// an earlier attempt already posted and does not post it again.
func (c *Commenter) Invoke(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
	r, err := parseInput(inv)
	if err != nil {
		return functions.Result{}, functions.Permanent(err)
	}
	id := inv.ID
	if id == "" {
		// Without an invocation id nothing can tell a retry from a new
		// call; such callers (local runs) do not retry.
		id = uuid.NewString()
	}
	unlock, err := c.running.lock(ctx, id)
	if err != nil {
		// Retryable: the engine is stopping or the deadline passed.
		return functions.Result{}, fmt.Errorf("prcomment: wait for another delivery of invocation %s: %w", id, err)
	}
	defer unlock()

	var done []action
	if r.comment != "" || r.sticky != "" {
		existing, err := c.host.listComments(ctx, r)
		if err != nil {
			return functions.Result{}, err
		}
		if r.comment != "" {
			a, err := c.postComment(ctx, r, id, existing)
			if err != nil {
				return functions.Result{}, err
			}
			done = append(done, a)
		}
		if r.sticky != "" {
			a, err := c.putSticky(ctx, r, id, existing)
			if err != nil {
				return functions.Result{}, err
			}
			done = append(done, a)
		}
	}
	if r.status != nil {
		u, err := c.host.createStatus(ctx, r, *r.status)
		if err != nil {
			return functions.Result{}, err
		}
		c.log.Debug().Str("target", r.target()).Str("state", r.status.State).Str("url", u).Msg("prcomment: status set")
		done = append(done, action{kind: "status", target: r.target(), url: u})
	}
	return c.result(inv, id, r, done)
}

// postComment posts the plain comment unless an earlier attempt of this
// invocation already did.
func (c *Commenter) postComment(ctx context.Context, r request, id string, existing []comment) (action, error) {
	for _, e := range existing {
		if isPostedBy(e.Body, id) {
			c.log.Debug().Str("target", r.target()).Str("url", e.HTMLURL).Msg("prcomment: comment already posted by an earlier attempt")
			return action{kind: "comment", target: r.target(), url: e.HTMLURL}, nil
		}
	}
	posted, err := c.host.createComment(ctx, r, commentBody(r.comment, id))
	if err != nil {
		return action{}, err
	}
	c.log.Debug().Str("target", r.target()).Str("url", posted.HTMLURL).Msg("prcomment: comment posted")
	return action{kind: "comment", target: r.target(), url: posted.HTMLURL}, nil
}

// putSticky edits the newest sticky comment of the key on the pull request,
// or creates it when there is none.
func (c *Commenter) putSticky(ctx context.Context, r request, id string, existing []comment) (action, error) {
	body := stickyBody(r.sticky, r.stickyKey, r.pr, id)
	var newest *comment
	for i := range existing {
		e := &existing[i]
		if !isStickyFor(e.Body, r.stickyKey, r.pr) {
			continue
		}
		if newest == nil || e.CreatedAt.After(newest.CreatedAt) || (e.CreatedAt.Equal(newest.CreatedAt) && e.ID > newest.ID) {
			newest = e
		}
	}
	switch {
	case newest == nil:
		posted, err := c.host.createComment(ctx, r, body)
		if err != nil {
			return action{}, err
		}
		c.log.Debug().Str("target", r.target()).Str("url", posted.HTMLURL).Msg("prcomment: sticky comment created")
		return action{kind: "sticky", target: r.target(), url: posted.HTMLURL}, nil
	case sameText(newest.Body, body):
		// An earlier attempt of this invocation already wrote it.
		return action{kind: "sticky", target: r.target(), url: newest.HTMLURL}, nil
	default:
		edited, err := c.host.editComment(ctx, r, newest.ID, body)
		if err != nil {
			return action{}, err
		}
		c.log.Debug().Str("target", r.target()).Str("url", edited.HTMLURL).Msg("prcomment: sticky comment updated")
		return action{kind: "sticky", target: r.target(), url: firstNonEmpty(edited.HTMLURL, newest.HTMLURL)}, nil
	}
}

// sameText compares bodies as a host may store them (CRLF line ends).
func sameText(a, b string) bool {
	return strings.ReplaceAll(a, "\r\n", "\n") == strings.ReplaceAll(b, "\r\n", "\n")
}

// result builds one notification.sent event per action. Event ids derive
// from the invocation id, so a retry emits the same ids and the bus drops the
// duplicates.
func (c *Commenter) result(inv functions.Invocation, id string, r request, done []action) (functions.Result, error) {
	var res functions.Result
	for _, a := range done {
		data := events.NotificationData{
			Caused:  events.Caused{TriggerEventID: inv.Event.ID(), Context: inv.Context},
			Channel: c.channel,
			Target:  a.target,
			URL:     a.url,
		}
		opts := []events.Option{events.WithID(id + "/" + a.kind)}
		if r.pr > 0 {
			opts = append(opts, events.WithSubject(strconv.Itoa(r.pr)))
		}
		ev, err := events.New(events.NotificationSent, "/functions/"+c.name, data, opts...)
		if err != nil {
			return functions.Result{}, functions.Permanent(err)
		}
		if err := events.MarkCaused(&ev, inv.Event, inv.Context); err != nil {
			return functions.Result{}, functions.Permanent(err)
		}
		res.Events = append(res.Events, ev)
	}
	return res, nil
}
