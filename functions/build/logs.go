package build

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// logSink publishes a build's lines to CB_BUILD_LOGS, one message per line,
// without waiting for each acknowledgement; close waits for them all.
type logSink struct {
	js      jetstream.JetStream // private, so its async tracking is ours alone
	subject string
	mu      sync.Mutex
	err     error
}

func newLogSink(nc *nats.Conn, buildID string) (*logSink, error) {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(1024))
	if err != nil {
		return nil, fmt.Errorf("build: log publisher: %w", err)
	}
	return &logSink{js: js, subject: LogSubjectRoot + buildID}, nil
}

// Line publishes one (already masked) line.
func (l *logSink) Line(line string) {
	_, err := l.js.PublishAsync(l.subject, []byte(line))
	if err != nil {
		l.mu.Lock()
		if l.err == nil {
			l.err = err
		}
		l.mu.Unlock()
	}
}

// close writes the end marker with the build's status and waits for every
// line to be stored.
func (l *logSink) close(ctx context.Context, status string) error {
	m := nats.NewMsg(l.subject)
	m.Header.Set(HeaderLogEnd, status)
	if _, err := l.js.PublishMsgAsync(m); err != nil {
		return fmt.Errorf("build: log end: %w", err)
	}
	defer l.js.CleanupPublisher()
	select {
	case <-l.js.PublishAsyncComplete():
	case <-ctx.Done():
		return fmt.Errorf("build: flush logs: %w", ctx.Err())
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// readLogs calls fn for each stored line of build id. Without follow it
// stops at the last line stored when it was called; with follow it waits for
// the end marker, or for alive to report that the build is over (a lost
// worker never writes one). It returns the status in the end marker, if it
// saw one.
func (s *store) readLogs(ctx context.Context, id string, follow bool, alive func() bool, fn func(line string) error) (string, error) {
	subject := LogSubjectRoot + id
	stream, err := s.js.Stream(ctx, StreamLogs)
	if err != nil {
		return "", fmt.Errorf("build: logs: %w", err)
	}
	var last uint64
	if m, err := stream.GetLastMsgForSubject(ctx, subject); err == nil {
		last = m.Sequence
		if m.Header.Get(HeaderLogEnd) != "" {
			follow = false // over already: read to the end marker
		}
	} else if !errors.Is(err, jetstream.ErrMsgNotFound) {
		return "", fmt.Errorf("build: logs: %w", err)
	}
	if last == 0 && !follow {
		return "", nil
	}
	c, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		return "", fmt.Errorf("build: logs: %w", err)
	}
	it, err := c.Messages()
	if err != nil {
		return "", fmt.Errorf("build: logs: %w", err)
	}
	defer it.Stop()
	for {
		m, err := it.Next(jetstream.NextMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			// Idle: a build whose worker died never ends its log.
			if !follow || (alive != nil && !alive()) {
				return "", nil
			}
			continue
		}
		if st := m.Headers().Get(HeaderLogEnd); st != "" {
			return st, nil
		}
		if err := fn(string(m.Data())); err != nil {
			return "", err
		}
		if md, err := m.Metadata(); err == nil && !follow && md.Sequence.Stream >= last {
			return "", nil
		}
	}
}
