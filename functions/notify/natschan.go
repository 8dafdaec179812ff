package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/codebridge/codebridge/events"
)

// HeaderTitle carries the rendered title next to the event on a NATS
// message, for subscribers that only want the one line.
const HeaderTitle = "Cb-Title"

type natsSender struct {
	nc      *nats.Conn
	subject string
}

func newNATS(c NATSConfig, nc *nats.Conn) (*natsSender, delivery, error) {
	if err := checkSubject(c.Subject); err != nil {
		return nil, delivery{}, err
	}
	if nc == nil {
		return nil, delivery{}, configError("nats", "needs the engine's NATS connection, which this process does not have")
	}
	d, err := c.Delivery.resolve("nats", 10*time.Second)
	if err != nil {
		return nil, delivery{}, err
	}
	return &natsSender{nc: nc, subject: c.Subject}, d, nil
}

// checkSubject refuses wildcards, empty tokens, whitespace and the engine's
// own cb.* and system $* namespaces: a notification published there would
// re-enter the engine as an event or an invocation.
func checkSubject(s string) error {
	switch {
	case s == "":
		return configError("nats.subject", "is required")
	case strings.ContainsAny(s, " \t\r\n*>"):
		return configError("nats.subject", "must be a literal subject without spaces or wildcards")
	case strings.HasPrefix(s, "cb.") || strings.HasPrefix(s, "$"):
		return configError("nats.subject", "the cb. and $ namespaces belong to the engine and the server")
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" {
			return configError("nats.subject", "must not have empty tokens")
		}
	}
	return nil
}

func (s *natsSender) target(*notification) string { return "nats:" + s.subject }

func (s *natsSender) close() {}

// send publishes the triggering event in CloudEvents structured JSON and
// flushes, so that a nil error means the server has the message.
func (s *natsSender) send(ctx context.Context, n *notification) error {
	body, err := json.Marshal(n.inv.Event)
	if err != nil {
		return permanentError(fmt.Errorf("encode event: %w", err))
	}
	m := nats.NewMsg(s.subject)
	m.Header.Set("Content-Type", events.StructuredContentType)
	// A stream that captures the subject deduplicates retries by this id.
	m.Header.Set(nats.MsgIdHdr, n.id+":"+ChannelNATS)
	m.Header.Set(HeaderTitle, oneLine(n.msg.Title))
	m.Data = body
	if err := s.nc.PublishMsg(m); err != nil {
		if errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, nats.ErrBadSubject) {
			return permanentError(fmt.Errorf("publish to %s: %w", s.subject, err))
		}
		return retryableError(fmt.Errorf("publish to %s: %w", s.subject, err), 0)
	}
	if err := s.nc.FlushWithContext(ctx); err != nil {
		return retryableError(fmt.Errorf("flush to %s: %w", s.subject, err), 0)
	}
	return nil
}
