package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/events"
)

// ReplayRequest selects stored events to route again, like an EventBridge
// archive replay: events whose stream time is in [From, To), optionally of
// one type, matched against the current rules (or only Rule's).
type ReplayRequest struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"` // zero: now
	Rule string    `json:"rule,omitempty"`
	Type string    `json:"type,omitempty"`
}

// ReplayResult says what a replay did.
type ReplayResult struct {
	ID          string `json:"id"`
	Events      int    `json:"events"`      // events read
	Invocations int    `json:"invocations"` // invocations stored
	// Truncated says the window held more than one request replays
	// (maxReplay events); replay the rest from the last event's time.
	Truncated bool `json:"truncated,omitempty"`
}

// maxReplay bounds one replay request.
const maxReplay = 100_000

// Replay routes stored events again. Each replay has an id of its own that is
// part of its invocations' ids, so a replay is never deduplicated against the
// original invocations, and functions see it as new work.
func (e *Engine) Replay(ctx context.Context, req ReplayRequest) (ReplayResult, error) {
	res := ReplayResult{ID: uuid.NewString()}
	if req.From.IsZero() {
		return res, badRequest("from: is required (RFC 3339)")
	}
	if req.To.IsZero() {
		req.To = time.Now()
	}
	if !req.To.After(req.From) {
		return res, badRequest("to: must be after from")
	}
	set := e.rules.Load()
	if req.Rule != "" && set.Rule(req.Rule) == nil {
		return res, badRequest("rule: no rule %q", req.Rule)
	}
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &req.From}
	if req.Type != "" {
		if err := events.ValidateType(req.Type); err != nil {
			return res, badRequest("%v", err)
		}
		cfg.FilterSubjects = []string{events.Subject(req.Type)}
	}
	cons, err := e.bus.js.OrderedConsumer(ctx, StreamEvents, cfg)
	if err != nil {
		return res, fmt.Errorf("engine: replay: %w", err)
	}
	now := time.Now().UTC()
	for res.Events < maxReplay {
		batch, err := cons.FetchNoWait(256)
		if err != nil {
			return res, fmt.Errorf("engine: replay: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			if !md.Timestamp.Before(req.To) {
				return res, nil
			}
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("engine: replay stopped after %d events (%d invocations stored): %w", res.Events, res.Invocations, err)
			}
			res.Events++
			ev, err := events.DecodeMsg(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
			if err != nil {
				continue
			}
			matches, _ := set.Match(context.WithoutCancel(ctx), ev)
			matches = append(matches, scheduledMatches(ctx, set, ev)...)
			for _, match := range matches {
				if req.Rule != "" && match.Rule != req.Rule {
					continue
				}
				inv := newInvocation(ev, match, now)
				inv.ID += ".replay." + res.ID
				msg, err := inv.msg(ev, m.Headers())
				if err != nil {
					return res, err
				}
				if _, err := e.bus.js.PublishMsg(ctx, msg); err != nil {
					return res, fmt.Errorf("engine: replay: store invocation: %w", err)
				}
				res.Invocations++
			}
			if md.NumPending == 0 {
				return res, nil
			}
		}
		if err := batch.Error(); err != nil {
			return res, fmt.Errorf("engine: replay: %w", err)
		}
		if n == 0 {
			return res, nil
		}
	}
	res.Truncated = true
	return res, nil
}

func (e *Engine) handleReplay(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, 64<<10)
	if err != nil {
		writeError(w, err)
		return
	}
	var req ReplayRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, badRequest("replay request: %v", err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	res, err := e.Replay(ctx, req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
