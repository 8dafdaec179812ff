package natstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/internal/natstest"
)

// TestStart: the server takes JetStream writes on its file store, a second
// client reaches it by URL, and both it and the connection are gone once
// the test that started them has ended.
func TestStart(t *testing.T) {
	var s *natstest.Server
	t.Run("running", func(t *testing.T) {
		s = natstest.Start(t)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()

		stream, err := s.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Storage: jetstream.FileStorage})
		if err != nil {
			t.Fatalf("create stream: %v", err)
		}
		if _, err := s.JS.Publish(ctx, "t.one", []byte("hello")); err != nil {
			t.Fatalf("publish: %v", err)
		}
		msg, err := stream.GetLastMsgForSubject(ctx, "t.one")
		if err != nil || string(msg.Data) != "hello" {
			t.Fatalf("stored message = %v, %v; want hello", msg, err)
		}

		other, err := nats.Connect(s.URL)
		if err != nil {
			t.Fatalf("second client by URL %q: %v", s.URL, err)
		}
		defer other.Close()
		if other.ConnectedServerId() != s.Srv.ID() {
			t.Errorf("second client reached server %q, want %q", other.ConnectedServerId(), s.Srv.ID())
		}
	})
	if s == nil {
		t.Fatal("Start returned nothing")
	}
	if !s.NC.IsClosed() {
		t.Error("connection still open after the test ended")
	}
	if s.Srv.Running() {
		t.Error("server still running after the test ended")
	}
}

// TestStartIsolated: two servers in one test share no state.
func TestStartIsolated(t *testing.T) {
	a, b := natstest.Start(t), natstest.Start(t)
	if a.URL == b.URL {
		t.Fatalf("both servers at %s", a.URL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := a.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "only_a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JS.KeyValue(ctx, "only_a"); err == nil {
		t.Error("a bucket made on one server is visible on the other")
	}
}
