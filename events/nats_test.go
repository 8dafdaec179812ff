package events

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/types"
	"github.com/nats-io/nats.go"

	"github.com/codebridge/codebridge/internal/natstest"
)

// overWire publishes m on a real NATS server and returns what a subscriber
// receives, so header encoding is tested the way it travels.
func overWire(t *testing.T, nc *nats.Conn, m *nats.Msg) *nats.Msg {
	t.Helper()
	sub, err := nc.SubscribeSync(m.Subject)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	got, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestToMsgFromMsgRoundTripOverNATS(t *testing.T) {
	nc := natstest.Start(t).NC
	for _, f := range exampleFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			e := loadEvent(t, f)
			m := ToMsg(Subject(e.Type()), e)
			if m.Header.Get(nats.MsgIdHdr) != MsgID(e) {
				t.Errorf("Nats-Msg-Id %q, want %q", m.Header.Get(nats.MsgIdHdr), MsgID(e))
			}
			got, err := FromMsg(overWire(t, nc, m))
			if err != nil {
				t.Fatalf("FromMsg: %v", err)
			}
			if d := diffEvents(e, got); d != "" {
				t.Errorf("round trip changed the event: %s", d)
			}
		})
	}
}

func TestOddCharactersArePercentEncoded(t *testing.T) {
	nc := natstest.Start(t).NC
	e, err := New("com.example.odd", "urn:x:a b%20c\"d\"", nil,
		WithID("id with spaces, 100% \"quotes\"\r\nX-Injected: yes"),
		WithSubject("refs/heads/feature/ünïcode täg\t%2F"))
	if err != nil {
		t.Fatal(err)
	}
	e.SetExtension(ExtContext, `{"note": "line1\nline2", "pct": "50%"}`)
	m := ToMsg(Subject(e.Type()), e)
	for name, vals := range m.Header {
		for _, v := range vals {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c <= ' ' || c >= 0x7f || c == '"' {
					t.Errorf("header %s carries byte %q verbatim: %q", name, c, v)
				}
			}
		}
	}
	if !strings.Contains(m.Header.Get("ce-id"), "%25") {
		t.Errorf("'%%' not escaped in ce-id: %q", m.Header.Get("ce-id"))
	}
	got, err := FromMsg(overWire(t, nc, m))
	if err != nil {
		t.Fatalf("FromMsg: %v", err)
	}
	if d := diffEvents(e, got); d != "" {
		t.Errorf("round trip changed the event: %s", d)
	}
}

func TestExtensionsSurvive(t *testing.T) {
	cause := loadEvent(t, filepath.Join(exampleDir, "repository.pullRequestCreated.json"))
	SetHops(&cause, 4)
	e, err := New(NotificationSent, "codebridge://functions/chat", &NotificationData{Channel: "slack"})
	if err != nil {
		t.Fatal(err)
	}
	if err := MarkCaused(&e, cause, map[string]any{"pr": "7", "repo": "acme/app"}); err != nil {
		t.Fatal(err)
	}
	got, err := FromMsg(ToMsg("x", e))
	if err != nil {
		t.Fatal(err)
	}
	if Hops(got) != 5 || Cause(got) != cause.ID() {
		t.Errorf("hops %d cause %q, want 5 and %q", Hops(got), Cause(got), cause.ID())
	}
	if _, ok := got.Extensions()[ExtHops].(int32); !ok {
		t.Errorf("cbhops decoded as %T, want int32", got.Extensions()[ExtHops])
	}
	if c := Context(got); c["pr"] != "7" || c["repo"] != "acme/app" {
		t.Errorf("context %v", c)
	}
	// Extension values of other CloudEvents types are written canonically.
	e.SetExtension("cbwhen", types.Timestamp{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	e.SetExtension("cbraw", []byte{0xff, 0x00})
	m := ToMsg("x", e)
	if got := m.Header.Get("ce-cbwhen"); got != "2026-01-02T03:04:05Z" {
		t.Errorf("timestamp extension written as %q", got)
	}
	if got := m.Header.Get("ce-cbraw"); got != "/wA=" {
		t.Errorf("binary extension written as %q", got)
	}
}

func TestFromMsgStructured(t *testing.T) {
	path := filepath.Join(exampleDir, "build.stateChanged.json")
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := loadEvent(t, path)
	t.Run("content-type application/cloudevents+json", func(t *testing.T) {
		m := nats.NewMsg("x")
		m.Header.Set("content-type", "application/cloudevents+json; charset=utf-8")
		m.Data = body
		got, err := FromMsg(m)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffEvents(want, got); d != "" {
			t.Error(d)
		}
	})
	t.Run("no headers, JSON body", func(t *testing.T) {
		got, err := FromMsg(&nats.Msg{Subject: "x", Data: body})
		if err != nil {
			t.Fatal(err)
		}
		if d := diffEvents(want, got); d != "" {
			t.Error(d)
		}
	})
	t.Run("structured event that does not validate", func(t *testing.T) {
		_, err := FromMsg(&nats.Msg{Subject: "x", Data: []byte(`{"specversion":"1.0","id":"1","source":"s","type":"dev.codebridge.build.stateChanged","data":{}}`)})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "data.buildId" {
			t.Errorf("got %v, want a FieldError for data.buildId", err)
		}
	})
}

func TestFromMsgRefuses(t *testing.T) {
	good := ToMsg("x", loadEvent(t, filepath.Join(exampleDir, "engine.ruleDisabled.json")))
	clone := func(edit func(h nats.Header)) *nats.Msg {
		m := nats.NewMsg("x")
		for k, v := range good.Header {
			m.Header[k] = append([]string(nil), v...)
		}
		m.Data = good.Data
		edit(m.Header)
		return m
	}
	tests := []struct {
		name  string
		msg   *nats.Msg
		field string
	}{
		{"unknown specversion", clone(func(h nats.Header) { h.Set("ce-specversion", "2.0") }), "specversion"},
		{"specversion 0.3", clone(func(h nats.Header) { h.Set("ce-specversion", "0.3") }), "specversion"},
		{"no specversion, not JSON, with a content-type",
			&nats.Msg{Subject: "x", Header: nats.Header{"content-type": {"text/plain"}}, Data: []byte("hi")}, "specversion"},
		{"empty message", &nats.Msg{Subject: "x"}, "specversion"},
		{"attribute twice in different case", clone(func(h nats.Header) { h.Set("Ce-Id", "other") }), "id"},
		{"attribute with two values", clone(func(h nats.Header) { h.Add("ce-source", "other") }), "source"},
		{"bad percent-encoding", clone(func(h nats.Header) { h.Set("ce-subject", "50%") }), "subject"},
		{"bad time", clone(func(h nats.Header) { h.Set("ce-time", "yesterday") }), "time"},
		{"bad extension name", clone(func(h nats.Header) { h.Set("ce-cb-hops", "1") }), "cb-hops"},
		{"missing id", clone(func(h nats.Header) { delete(h, "ce-id") }), "id"},
		{"missing type", clone(func(h nats.Header) { delete(h, "ce-type") }), "type"},
		{"data not JSON", clone(func(h nats.Header) {}), ""},
	}
	tests[len(tests)-1].msg.Data = []byte("not json")
	tests[len(tests)-1].field = "data"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromMsg(tt.msg)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("FromMsg: %v, want an ErrInvalid", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("error %v, want field %q", err, tt.field)
			}
		})
	}
}

func TestFromMsgBinaryWins(t *testing.T) {
	// An event whose own data is a CloudEvent carries content-type
	// application/cloudevents+json in binary mode; ce-specversion says the
	// message is binary, so the data stays data.
	inner := loadEvent(t, filepath.Join(exampleDir, "engine.ruleDisabled.json"))
	body, err := inner.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New("com.example.wrapped", "urn:x", nil, WithID("w1"))
	if err != nil {
		t.Fatal(err)
	}
	e.SetDataContentType(StructuredContentType)
	e.DataEncoded = body
	got, err := FromMsg(ToMsg("x", e))
	if err != nil {
		t.Fatal(err)
	}
	if d := diffEvents(e, got); d != "" {
		t.Error(d)
	}
}

func TestFromMsgAcceptsForeignHeaderStyles(t *testing.T) {
	m := nats.NewMsg("x")
	m.Header.Set("Ce-Specversion", "1.0")
	m.Header.Set("Ce-Id", "f1")
	m.Header.Set("Ce-Source", "urn:foreign")
	m.Header.Set("Ce-Type", "com.example.foreign")
	m.Header.Set("ce-datacontenttype", "application/json")
	m.Data = []byte(`{"a":1}`)
	got, err := FromMsg(m)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != "f1" || got.DataContentType() != "application/json" || string(got.Data()) != `{"a":1}` {
		t.Errorf("got %v", got)
	}
}

func TestMsgID(t *testing.T) {
	e := loadEvent(t, filepath.Join(exampleDir, "repository.referenceCreated.json"))
	id := MsgID(e)
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Errorf("MsgID %q is not 32 hex digits", id)
	}
	again := loadEvent(t, filepath.Join(exampleDir, "repository.referenceCreated.json"))
	again.SetTime(time.Now())
	again.SetSubject("other")
	if MsgID(again) != id {
		t.Error("MsgID depends on more than source and id")
	}
	got, err := FromMsg(ToMsg("x", e))
	if err != nil || MsgID(got) != id {
		t.Errorf("MsgID changed across a round trip (%v)", err)
	}
	seen := map[string]string{}
	for _, p := range [][2]string{{"a", "bc"}, {"ab", "c"}, {"a", "b"}, {"b", "a"}, {"urn:x", "1"}, {"urn:x", "2"}, {"urn:y", "1"}} {
		ev, err := New("com.example.x", p[0], nil, WithID(p[1]))
		if err != nil {
			t.Fatal(err)
		}
		id := MsgID(ev)
		if prev, dup := seen[id]; dup {
			t.Errorf("MsgID(%q) == MsgID(%q)", p, prev)
		}
		seen[id] = p[0] + "|" + p[1]
	}
}
