package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/functions"
)

// Type is the function type name used in configuration.
const Type = "notify"

// Channel names, as they appear in configuration and in notification events.
const (
	ChannelSlack   = "slack"
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
	ChannelNATS    = "nats"
)

func init() {
	functions.Register(functions.Spec{
		Type:    Type,
		Summary: "send a notification to a webhook (Standard Webhooks), Slack, email (SMTP) or a NATS subject",
		New:     New,
	})
}

// Notifier is a configured notify function.
type Notifier struct {
	name     string
	channels []*channelState
	title    *template
	body     *template
	ledger   *ledger
	mask     masker
	log      zerolog.Logger
}

var (
	_ functions.Function = (*Notifier)(nil)
	_ functions.Closer   = (*Notifier)(nil)
)

// sender is one channel's transport.
type sender interface {
	// send delivers n once; a failure that retrying cannot fix is a
	// *deliveryError with permanent set.
	send(ctx context.Context, n *notification) error
	// target is the redacted destination shown in events and errors.
	target(n *notification) string
	close()
}

// channelState is a sender with its rate limit and retry settings.
type channelState struct {
	name string
	sender
	delivery
}

// notification is one invocation's message, ready for every channel.
type notification struct {
	id   string // the invocation id, or a fresh one when the caller gave none
	inv  functions.Invocation
	msg  message
	vars map[string]any
	to   []*mail.Address // extra email recipients from the input
}

// New is the registry's factory: it decodes the block into a Config and
// builds the function.
func New(name string, decode func(v any) error, deps functions.Deps) (functions.Function, error) {
	var cfg Config
	if err := decode(&cfg); err != nil {
		// A decode error may quote a value, and values may be secrets.
		return nil, newMasker(deps.Secrets).Error(fmt.Errorf("notify %q: %w", name, err))
	}
	return NewFromConfig(name, cfg, deps)
}

// NewFromConfig builds a notify function from a decoded Config. Errors name
// the field that is wrong and match ErrConfig.
func NewFromConfig(name string, cfg Config, deps functions.Deps) (*Notifier, error) {
	n := &Notifier{name: name, ledger: newLedger(ledgerSize), log: deps.Logger}
	secrets := append([]string(nil), deps.Secrets...)
	var err error
	if n.title, err = compileTemplate("title", cfg.Title); err != nil {
		return nil, err
	}
	if n.body, err = compileTemplate("body", cfg.Body); err != nil {
		return nil, err
	}
	add := func(ch string, s sender, d delivery, secret ...string) {
		n.channels = append(n.channels, &channelState{name: ch, sender: s, delivery: d})
		secrets = append(secrets, secret...)
	}
	if c := cfg.Slack; c != nil {
		s, d, err := newSlack(*c)
		if err != nil {
			return nil, err
		}
		add(ChannelSlack, s, d, s.secrets()...)
	}
	if c := cfg.Webhook; c != nil {
		s, d, err := newWebhook(*c)
		if err != nil {
			return nil, err
		}
		add(ChannelWebhook, s, d, s.secrets()...)
	}
	if c := cfg.Email; c != nil {
		s, d, err := newEmail(*c)
		if err != nil {
			return nil, err
		}
		add(ChannelEmail, s, d, c.Password)
	}
	if c := cfg.NATS; c != nil {
		s, d, err := newNATS(*c, deps.NATS)
		if err != nil {
			return nil, err
		}
		add(ChannelNATS, s, d)
	}
	if len(n.channels) == 0 {
		return nil, configError("slack|webhook|email|nats", "at least one channel is required")
	}
	n.mask = newMasker(secrets)
	return n, nil
}

// Invoke delivers the notification to every channel that has not yet
// settled for this invocation id. It succeeds when all channels delivered;
// it is retryable while any channel failed in a way worth retrying, and
// permanent when the only failures left are permanent. With a permanent
// error the Result still holds the notification events of every channel.
func (n *Notifier) Invoke(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
	id := inv.ID
	if id == "" {
		id = uuid.NewString() // no idempotency without a stable id
	}
	done := n.ledger.get(id)
	var pending []*channelState
	for _, c := range n.channels {
		if _, ok := done[c.name]; !ok {
			pending = append(pending, c)
		}
	}
	var retryable []error
	var wait time.Duration
	var waitSet bool
	if len(pending) > 0 {
		note, err := n.prepare(ctx, id, inv)
		if err != nil && ctx.Err() != nil {
			return functions.Result{}, fmt.Errorf("notify: %w", ctx.Err())
		}
		if err != nil {
			// The message cannot be built (a bad input, a template that fails
			// on this event): no retry helps, and no channel is tried.
			msg := n.mask.String("notify: " + err.Error())
			for _, c := range pending {
				n.ledger.settle(id, c.name, settled{Target: c.target(nil), Err: msg})
			}
		} else {
			for i, err := range n.deliverAll(ctx, note, pending) {
				c := pending[i]
				target := c.target(note)
				if err == nil {
					n.ledger.settle(id, c.name, settled{Target: target})
					n.log.Debug().Str("channel", c.name).Str("target", target).Str("invocation", id).Msg("notification sent")
					continue
				}
				de := n.mask.Error(err).(*deliveryError)
				msg := fmt.Sprintf("notify: %s: %s", c.name, de.msg)
				n.log.Warn().Str("channel", c.name).Str("target", target).Str("invocation", id).Bool("permanent", de.permanent).Msg(msg)
				if de.permanent {
					n.ledger.settle(id, c.name, settled{Target: target, Err: msg})
					continue
				}
				retryable = append(retryable, &maskedError{msg: msg, err: de})
				if de.hasWait && (!waitSet || de.wait > wait) {
					wait, waitSet = de.wait, true
				}
			}
		}
	}
	if len(retryable) > 0 {
		err := errors.Join(retryable...)
		if waitSet {
			return functions.Result{}, functions.RetryAfter(err, wait)
		}
		return functions.Result{}, err
	}
	return n.settle(id, inv)
}

// settle builds the result of an invocation whose channels are all settled.
func (n *Notifier) settle(id string, inv functions.Invocation) (functions.Result, error) {
	done := n.ledger.get(id)
	var res functions.Result
	var failed []string
	for _, c := range n.channels {
		s, ok := done[c.name]
		if !ok {
			continue
		}
		ev, err := n.event(id, inv, c.name, s)
		if err != nil {
			return functions.Result{}, err
		}
		res.Events = append(res.Events, ev)
		if s.Err != "" {
			failed = append(failed, s.Err)
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		return res, functions.Permanent(errors.New(strings.Join(failed, "; ")))
	}
	return res, nil
}

// deliverAll runs the channels side by side; errs[i] is pending[i]'s outcome.
func (n *Notifier) deliverAll(ctx context.Context, note *notification, pending []*channelState) []error {
	errs := make([]error, len(pending))
	var wg sync.WaitGroup
	for i, c := range pending {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = run(ctx, c, note)
		}()
	}
	wg.Wait()
	return errs
}

// prepare builds the message: defaults for the event type, then the
// configured templates, then the input's overrides.
func (n *Notifier) prepare(ctx context.Context, id string, inv functions.Invocation) (*notification, error) {
	in, err := parseInput(inv.Input)
	if err != nil {
		return nil, err
	}
	note := &notification{id: id, inv: inv, msg: defaultMessage(inv.Event), vars: eventVars(inv.Event), to: in.To}
	if s, ok, err := n.title.eval(ctx, note.vars); err != nil {
		return nil, err
	} else if ok {
		note.msg.Title = s
	}
	if s, ok, err := n.body.eval(ctx, note.vars); err != nil {
		return nil, err
	} else if ok {
		note.msg.Body = s
	}
	if in.Title != nil {
		note.msg.Title = *in.Title
	}
	if in.Body != nil {
		note.msg.Body = *in.Body
	}
	return note, nil
}

// Close releases idle connections.
func (n *Notifier) Close() error {
	for _, c := range n.channels {
		c.close()
	}
	return nil
}

// Channels lists the configured channels in delivery order.
func (n *Notifier) Channels() []string {
	out := make([]string, len(n.channels))
	for i, c := range n.channels {
		out[i] = c.name
	}
	return out
}
