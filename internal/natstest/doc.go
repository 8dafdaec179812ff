// Package natstest starts a real, in-process nats-server with JetStream for a
// test, connects to it and tears both down when the test ends.
//
// Tests across the module use it instead of mocks: what a test sees on the
// wire is what production sees. Each call gets its own server on a random
// loopback port with its file store in the test's temporary directory, so
// tests may run in parallel without sharing state.
package natstest
