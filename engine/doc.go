// Package engine is the codebridge runtime: it starts (or connects to) NATS
// JetStream, keeps the streams, routes every event through the rule set to
// invocations, runs functions with retries, backoff and a dead-letter queue,
// and serves the HTTP API.
//
// The flow (shared/DESIGN.md §2):
//
//	ingest -> CB_EVENTS -> router -> CB_INVOCATIONS -> invoker -> function
//	                                                  \-> CB_DLQ when retries are exhausted
//
// At-least-once holds at every hop: a message is acked only after what it
// produced has been stored (its PubAck has arrived).
package engine
