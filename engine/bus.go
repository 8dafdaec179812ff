package engine

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// bus is the engine's NATS connection, and the embedded server when there is
// no external one.
type bus struct {
	srv    *server.Server // nil with an external cluster
	nc     *nats.Conn
	js     jetstream.JetStream
	closed chan struct{} // closed when nc is closed
	// cnc and cjs consume (router and invokers) while nc publishes:
	// JetStream async publishing and pull consuming on one connection slow
	// each other down by an order of magnitude (BENCHMARKS.md).
	cnc     *nats.Conn
	cjs     jetstream.JetStream
	cclosed chan struct{}
}

// busOptions say where NATS is.
type busOptions struct {
	url         string // external cluster; "" = embedded
	credentials string
	listen      string // embedded client address; "" = in-process only
	storeDir    string
	name        string
}

// openBus starts the embedded server or connects to the external one.
func openBus(o busOptions) (*bus, error) {
	b := &bus{closed: make(chan struct{}), cclosed: make(chan struct{})}
	opts := []nats.Option{
		nats.Name(o.name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
	}
	url := o.url
	if url == "" {
		srv, err := startEmbedded(o.listen, o.storeDir)
		if err != nil {
			return nil, err
		}
		b.srv = srv
		opts = append(opts, nats.InProcessServer(srv))
	} else if o.credentials != "" {
		opts = append(opts, nats.UserCredentials(o.credentials))
	}
	nc, err := nats.Connect(url, append(opts, nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }))...)
	if err != nil {
		b.close()
		return nil, fmt.Errorf("engine: connect to NATS: %w", redactURLErr(err, url))
	}
	b.nc = nc
	cnc, err := nats.Connect(url, append(opts, nats.Name(o.name+"-consumer"), nats.ClosedHandler(func(*nats.Conn) { close(b.cclosed) }))...)
	if err != nil {
		b.close()
		return nil, fmt.Errorf("engine: connect to NATS: %w", redactURLErr(err, url))
	}
	b.cnc = cnc
	// A PubAck lost without a reconnect must not hold an event or an
	// invocation (or a shutdown) forever.
	if b.js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096), jetstream.WithPublishAsyncTimeout(10*time.Second)); err == nil {
		b.cjs, err = jetstream.New(cnc)
	}
	if err != nil {
		b.close()
		return nil, fmt.Errorf("engine: JetStream: %w", err)
	}
	return b, nil
}

// startEmbedded runs a single-node nats-server with JetStream on the file
// store under storeDir.
func startEmbedded(listen, storeDir string) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "codebridge",
		JetStream:  true,
		StoreDir:   filepath.Clean(storeDir),
		NoSigs:     true,
		NoLog:      true,
	}
	if listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := net.SplitHostPort(listen)
		if err != nil {
			return nil, fmt.Errorf("engine: nats.listen %q: %w", listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("engine: nats.listen %q: port: %w", listen, err)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, p
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("engine: embedded NATS: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("engine: embedded NATS did not start (is %s already in use?)", listen)
	}
	return srv, nil
}

// clientURL is where other NATS clients reach the embedded server, or "".
func (b *bus) clientURL() string {
	if b.srv == nil {
		return ""
	}
	if addr := b.srv.Addr(); addr != nil {
		return "nats://" + addr.String()
	}
	return ""
}

func (b *bus) close() {
	// Drain flushes what was published and closes asynchronously.
	for _, c := range []struct {
		nc     *nats.Conn
		closed chan struct{}
	}{{b.cnc, b.cclosed}, {b.nc, b.closed}} {
		if c.nc == nil {
			continue
		}
		if c.nc.Drain() == nil {
			select {
			case <-c.closed:
			case <-time.After(5 * time.Second):
			}
		}
		c.nc.Close()
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}
