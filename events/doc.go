// Package events is the codebridge event catalogue: the CloudEvents types that
// repositories, builds, pipelines, replication, notifications and the engine
// publish, their data structs, validation, the NATS binary-mode encoding and the
// mapping from an event type to its JetStream subject.
//
// Every event is a CloudEvents 1.0 event (github.com/cloudevents/sdk-go/v2/event).
// Types in the dev.codebridge namespace must be in the catalogue and carry data
// that decodes into their struct; other types are accepted when they are
// namespaced (reverse-DNS, at least one dot), so any producer can use the bus.
package events
