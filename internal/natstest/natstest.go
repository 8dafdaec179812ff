package natstest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// readyWithin bounds the wait for the server to accept clients; a healthy
// server is ready in milliseconds, so hitting it means the server is broken.
const readyWithin = 10 * time.Second

// Server is one test's running nats-server and a connection to it.
type Server struct {
	// URL is the client URL, for connections of the test's own (another
	// process, a second client, a component that dials by itself).
	URL string
	// Srv is the server itself, for tests that inspect or stop it.
	Srv *server.Server
	// NC is a connection the test may use; it is closed at cleanup.
	NC *nats.Conn
	// JS is the JetStream context on NC.
	JS jetstream.JetStream
}

// Start runs a nats-server with JetStream on a random port of 127.0.0.1, its
// file store in t.TempDir(), and connects to it. The connection is closed
// and the server shut down when the test ends, in that order. Start fails
// the test if any step fails.
func Start(t testing.TB) *Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1", // loopback only: a test must not listen on every interface
		Port:      server.RANDOM_PORT,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	})
	if err != nil {
		t.Fatalf("natstest: new nats-server: %v", err)
	}
	// Registered before the connection's cleanup so that it runs after it:
	// cleanups run last-registered first. t.TempDir above was registered
	// earlier still, so the store is removed after the server has stopped.
	t.Cleanup(srv.Shutdown)
	srv.Start() // does not block
	if !srv.ReadyForConnections(readyWithin) {
		t.Fatalf("natstest: nats-server not ready within %s", readyWithin)
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatalf("natstest: connect to %s: %v", srv.ClientURL(), err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("natstest: jetstream context: %v", err)
	}
	return &Server{URL: srv.ClientURL(), Srv: srv, NC: nc, JS: js}
}
