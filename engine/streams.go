package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/events"
)

// Stream and subject names (shared/DESIGN.md §2).
const (
	StreamEvents      = "CB_EVENTS"
	StreamInvocations = "CB_INVOCATIONS"
	StreamDLQ         = "CB_DLQ"

	invokePrefix = "cb.invoke."
	retryPrefix  = "cb.retry."
	dlqPrefix    = "cb.dlq."

	routerConsumer = "cb-router"
)

// invokeSubject is the work-queue subject of one function.
func invokeSubject(function string) string { return invokePrefix + subjectToken(function) }

// dlqSubject is the dead-letter subject of one function.
func dlqSubject(function string) string { return dlqPrefix + subjectToken(function) }

// subjectToken keeps a configured name inside one subject token.
func subjectToken(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// streamSettings are the tunables of ensureStreams.
type streamSettings struct {
	replicas        int
	eventMaxAge     time.Duration
	duplicateWindow time.Duration
}

// ensureStreams creates or updates the three streams. It is safe to call from
// every worker of a cluster at start-up.
func ensureStreams(ctx context.Context, js jetstream.JetStream, s streamSettings) error {
	cfgs := []jetstream.StreamConfig{{
		Name:        StreamEvents,
		Description: "codebridge events (CloudEvents, binary mode)",
		Subjects:    []string{events.SubjectPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      s.eventMaxAge,
		Duplicates:  s.duplicateWindow,
		Storage:     jetstream.FileStorage,
		Replicas:    s.replicas,
	}, {
		Name:        StreamInvocations,
		Description: "codebridge function invocations (work queue) and their scheduled retries",
		Subjects:    []string{invokePrefix + ">", retryPrefix + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		// A retry waits out its backoff as a scheduled message, not as a
		// nak'ed one that would hold a concurrency slot meanwhile.
		AllowMsgSchedules: true,
		AllowRollup:       true,
		Duplicates:        s.duplicateWindow,
		Storage:           jetstream.FileStorage,
		Replicas:          s.replicas,
	}, {
		Name:        StreamDLQ,
		Description: "codebridge dead-lettered invocations",
		Subjects:    []string{dlqPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		Duplicates:  s.duplicateWindow,
		Storage:     jetstream.FileStorage,
		Replicas:    s.replicas,
	}}
	for _, c := range cfgs {
		if _, err := js.CreateOrUpdateStream(ctx, c); err != nil {
			return fmt.Errorf("engine: ensure stream %s: %w", c.Name, err)
		}
	}
	return nil
}

// stallWait lets an async publish wait for room among the outstanding
// publishes instead of failing at once when the server is briefly slower
// than the producer.
var stallWait = jetstream.WithStallWait(10 * time.Second)

// hdrValidated marks an event message whose event the engine validated
// before publishing it, so the router need not decode its data again. A
// client that sets it vouches for its events; anyone who may publish to
// cb.events.> is trusted with that.
const hdrValidated = "Cb-Validated"

// eventMsg encodes a validated event for CB_EVENTS.
func eventMsg(e events.Event) *nats.Msg {
	m := events.ToMsg(events.Subject(e.Type()), e)
	m.Header.Set(hdrValidated, "1")
	return m
}
