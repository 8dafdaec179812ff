package notify

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/natstest"
)

func TestNATSPublishesStructuredEvent(t *testing.T) {
	nc := natstest.Start(t).NC
	// A separate subscriber connection, as another team's consumer would be.
	sub, err := nats.Connect(nc.ConnectedUrl())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	msgs := make(chan *nats.Msg, 4)
	s, err := sub.ChanSubscribe("team.alerts", msgs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Unsubscribe() })
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}

	n := build(t, "nats: {subject: team.alerts}\ntitle: '\"build \" + event.data.status'", functions.Deps{NATS: nc})
	res, err := invoke(t, n, invocation(t, "inv-nats", buildFailed(t), ""))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var m *nats.Msg
	select {
	case m = <-msgs:
	case <-time.After(10 * time.Second):
		t.Fatal("no message on team.alerts")
	}
	if ct := m.Header.Get("Content-Type"); ct != events.StructuredContentType {
		t.Errorf("Content-Type = %q", ct)
	}
	if m.Header.Get(HeaderTitle) != "build FAILED" || m.Header.Get(nats.MsgIdHdr) != "inv-nats:nats" {
		t.Errorf("headers = %v", m.Header)
	}
	got, err := events.FromMsg(m)
	if err != nil {
		t.Fatalf("subscriber cannot decode: %v", err)
	}
	if got.ID() != "ev-1" || got.Type() != events.BuildStateChanged {
		t.Errorf("event = %s %s", got.ID(), got.Type())
	}
	var raw map[string]any
	if err := json.Unmarshal(m.Data, &raw); err != nil || raw["specversion"] != "1.0" {
		t.Errorf("body is not structured CloudEvents JSON: %s", m.Data)
	}
	if nd := notificationData(t, res); nd["nats/sent"].Target != "nats:team.alerts" {
		t.Errorf("events = %+v", nd)
	}
}

func TestNATSNeedsConnection(t *testing.T) {
	_, err := New("n", strictYAML("nats: {subject: team.alerts}"), functions.Deps{})
	if err == nil {
		t.Fatal("want an error without deps.NATS")
	}
}
