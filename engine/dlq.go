package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/events"
)

// routerDLQ is the DLQ "function" for events the router refused (loops,
// undecodable messages).
const routerDLQ = "_router"

// DeadLetter is one CB_DLQ record: the invocation as it was (event, input,
// rule, target), why it ended there and the last error.
type DeadLetter struct {
	Sequence   uint64          `json:"sequence,omitempty"` // stream sequence, set when read
	ID         string          `json:"id"`
	Rule       string          `json:"rule,omitempty"`
	Target     int             `json:"target"`
	Function   string          `json:"function,omitempty"`
	Event      json.RawMessage `json:"event"`
	Input      json.RawMessage `json:"input,omitempty"`
	Reason     string          `json:"reason"`
	Error      string          `json:"error"`
	Attempts   int             `json:"attempts"`
	FailedAt   time.Time       `json:"failedAt"`
	Invocation json.RawMessage `json:"invocation,omitempty"` // the envelope, for redrive
	// Redriven counts earlier redrives of the same invocation or event: part
	// of the record's dedupe id, so failing again after a redrive is stored.
	Redriven int `json:"redriven,omitempty"`
}

// ErrNotFound is returned for a DLQ sequence that does not exist.
var ErrNotFound = errors.New("not found")

// deadLetter stores a record; the caller acks or terms its message only after
// this returns nil.
func deadLetter(ctx context.Context, js jetstream.JetStream, d DeadLetter) (uint64, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return 0, fmt.Errorf("engine: encode dead letter: %w", err)
	}
	fn := d.Function
	if fn == "" {
		fn = routerDLQ
	}
	m := nats.NewMsg(dlqSubject(fn))
	m.Data = b
	m.Header.Set(nats.MsgIdHdr, "dlq."+d.ID+"."+strconv.Itoa(d.Redriven)+"."+strconv.Itoa(d.Attempts))
	ack, err := js.PublishMsg(ctx, m)
	if err != nil {
		return 0, fmt.Errorf("engine: store dead letter %s: %w", d.ID, err)
	}
	return ack.Sequence, nil
}

// DLQ reads and manages the dead-letter stream.
type DLQ struct {
	js jetstream.JetStream
}

// List returns up to limit records, oldest first, starting after sequence
// after (0 = from the start).
func (q DLQ) List(ctx context.Context, after uint64, limit int) ([]DeadLetter, error) {
	s, err := q.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return nil, fmt.Errorf("engine: open DLQ: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: DLQ info: %w", err)
	}
	var out []DeadLetter
	seq := max(after+1, info.State.FirstSeq)
	for ; seq <= info.State.LastSeq && len(out) < limit; seq++ {
		d, err := q.Get(ctx, seq)
		if errors.Is(err, ErrNotFound) {
			continue // deleted after a redrive
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// LastSeq is the sequence of the newest record (0 when there is none).
func (q DLQ) LastSeq(ctx context.Context) (uint64, error) {
	s, err := q.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return 0, fmt.Errorf("engine: open DLQ: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("engine: DLQ info: %w", err)
	}
	return info.State.LastSeq, nil
}

// Get reads one record.
func (q DLQ) Get(ctx context.Context, seq uint64) (DeadLetter, error) {
	s, err := q.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return DeadLetter{}, fmt.Errorf("engine: open DLQ: %w", err)
	}
	raw, err := s.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return DeadLetter{}, fmt.Errorf("engine: DLQ record %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return DeadLetter{}, fmt.Errorf("engine: read DLQ record %d: %w", seq, err)
	}
	var d DeadLetter
	if err := json.Unmarshal(raw.Data, &d); err != nil {
		return DeadLetter{}, fmt.Errorf("engine: decode DLQ record %d: %w", seq, err)
	}
	d.Sequence = seq
	return d, nil
}

// Redrive puts a record's invocation back on the work queue with a fresh
// attempt count and deletes the record once the invocation is stored.
// Records of events the router refused go back to the event stream.
func (q DLQ) Redrive(ctx context.Context, seq uint64) error {
	d, err := q.Get(ctx, seq)
	if err != nil {
		return err
	}
	if len(d.Invocation) == 0 {
		var e events.Event
		if err := json.Unmarshal(d.Event, &e); err != nil {
			return fmt.Errorf("engine: redrive %d: decode event: %w", seq, err)
		}
		events.SetHops(&e, 0) // an operator vouches for it; give it a fresh hop budget
		m := eventMsg(e)
		// Not deduplicated against the event's first arrival.
		m.Header.Set(nats.MsgIdHdr, m.Header.Get(nats.MsgIdHdr)+".r"+strconv.FormatUint(seq, 10))
		ack, err := q.js.PublishMsg(ctx, m)
		if err != nil {
			return fmt.Errorf("engine: redrive %d: publish event: %w", seq, err)
		}
		if ack.Duplicate {
			return fmt.Errorf("engine: redrive %d: already redriven", seq)
		}
	} else {
		var inv invocation
		if err := json.Unmarshal(d.Invocation, &inv); err != nil {
			return fmt.Errorf("engine: redrive %d: decode invocation: %w", seq, err)
		}
		var e events.Event
		if err := json.Unmarshal(d.Event, &e); err != nil {
			return fmt.Errorf("engine: redrive %d: decode event: %w", seq, err)
		}
		inv.Redriven++
		inv.Created = time.Now().UTC()
		inv.Prior, inv.NotBefore = 0, time.Time{} // a fresh attempt count
		m, err := inv.msg(e, nil)
		if err != nil {
			return err
		}
		m.Header.Set(nats.MsgIdHdr, m.Header.Get(nats.MsgIdHdr)+".r"+strconv.FormatUint(seq, 10))
		ack, err := q.js.PublishMsg(ctx, m)
		if err != nil {
			return fmt.Errorf("engine: redrive %d: publish invocation: %w", seq, err)
		}
		if ack.Duplicate {
			return fmt.Errorf("engine: redrive %d: already redriven", seq)
		}
	}
	s, err := q.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return fmt.Errorf("engine: open DLQ: %w", err)
	}
	if err := s.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("engine: redrive %d: delete record: %w", seq, err)
	}
	return nil
}

// Purge deletes every record.
func (q DLQ) Purge(ctx context.Context) error {
	s, err := q.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return fmt.Errorf("engine: open DLQ: %w", err)
	}
	if err := s.Purge(ctx); err != nil {
		return fmt.Errorf("engine: purge DLQ: %w", err)
	}
	return nil
}
