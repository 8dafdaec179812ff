package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/testwait"
)

const noRules = `
functions:
  sink: { type: testfn, behaviour: none }
rules:
  - name: never
    match: event.type == "com.example.never"
    targets: [ { function: sink } ]
`

func TestIngestBadInputStoresNothing(t *testing.T) {
	h := startEngine(t, noRules+"server: { maxEventBytes: 2048 }\n", nil)
	good := `{"specversion":"1.0","id":"x1","source":"/s","type":"com.example.thing","data":{"a":1}}`
	drop := func(key string) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(good), &m)
		delete(m, key)
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := []struct {
		name, ct, body string
		hdr            map[string]string
		status         int
		mention        string
	}{
		{"malformed JSON", ctStructured, `{"specversion":"1.0",`, nil, 400, "malformed JSON"},
		{"not an object", ctStructured, `[1,2]`, nil, 400, "JSON object"},
		{"missing specversion", ctStructured, drop("specversion"), nil, 400, "specversion"},
		{"missing id", ctStructured, drop("id"), nil, 400, "id: is required"},
		{"missing source", ctStructured, drop("source"), nil, 400, "source: is required"},
		{"missing type", ctStructured, drop("type"), nil, 400, "type: is required"},
		{"wrong specversion", ctStructured, strings.Replace(good, `"1.0"`, `"0.3"`, 1), nil, 400, "specversion"},
		{"un-namespaced type", ctStructured, strings.Replace(good, "com.example.thing", "thing", 1), nil, 400, "type"},
		{"unknown codebridge type", ctStructured, strings.Replace(good, "com.example.thing", "dev.codebridge.repository.nope", 1), nil, 400, "catalogue"},
		{"catalogue data missing field", ctStructured, `{"specversion":"1.0","id":"x2","source":"/s","type":"dev.codebridge.repository.referenceCreated","data":{"repository":{"name":"a","cloneURL":"u"},"referenceFullName":"refs/heads/x","referenceType":"branch"}}`, nil, 400, "data.commitId"},
		{"catalogue data wrong type", ctStructured, `{"specversion":"1.0","id":"x3","source":"/s","type":"dev.codebridge.repository.referenceCreated","data":{"repository":{"name":5}}}`, nil, 400, "data.repository.name"},
		{"oversize", ctStructured, strings.Replace(good, `{"a":1}`, `{"a":"`+strings.Repeat("x", 3000)+`"}`, 1), nil, 413, "limit"},
		{"wrong content type", "text/plain", good, nil, 415, "content type"},
		{"no content type", "", good, nil, 415, "content type"},
		{"batch with one bad event", ctBatch, "[" + good + "," + drop("id") + "]", nil, 400, "batch[1]: id"},
		{"empty batch", ctBatch, "[]", nil, 400, "no events"},
		{"binary data not JSON", "application/json", `{"a":`, map[string]string{"ce-specversion": "1.0", "ce-id": "b2", "ce-source": "/s", "ce-type": "com.example.thing"}, 400, "data: is not valid JSON"},
		{"binary without specversion", "application/json", `{"a":1}`, map[string]string{"ce-id": "b1", "ce-source": "/s", "ce-type": "com.example.thing"}, 400, "specversion"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := h.post("/events", c.ct, []byte(c.body), c.hdr)
			if status != c.status || !strings.Contains(body, c.mention) {
				t.Errorf("got %d %s; want %d mentioning %q", status, body, c.status, c.mention)
			}
		})
	}
	if n := h.streamMsgs(StreamEvents); n != 0 {
		t.Errorf("CB_EVENTS holds %d messages after bad input, want 0", n)
	}
}

func TestIngestModes(t *testing.T) {
	var rec recorder
	b := install(t, "sink", func(_ context.Context, inv functions.Invocation) (functions.Result, error) {
		rec.add(inv)
		return functions.Result{}, nil
	})
	h := startEngine(t, `
functions:
  sink: { type: testfn, behaviour: "`+b+`" }
rules:
  - name: all-things
    match: event.type == "com.example.thing"
    targets: [ { function: sink } ]
`, nil)
	// Binary mode: attributes in headers, data in the body.
	status, body := h.post("/events", "application/json", []byte(`{"n":1}`), map[string]string{
		"ce-specversion": "1.0", "ce-id": "bin-1", "ce-source": "/binary", "ce-type": "com.example.thing", "ce-subject": "feature%2Fx%20y",
	})
	if status != 202 || !strings.Contains(body, "bin-1") {
		t.Fatalf("binary: %d %s", status, body)
	}
	// Batch mode.
	var batch []string
	for i := 0; i < 3; i++ {
		batch = append(batch, fmt.Sprintf(`{"specversion":"1.0","id":"batch-%d","source":"/s","type":"com.example.thing","data":{"n":%d}}`, i, i))
	}
	if status, body := h.post("/events", ctBatch, []byte("["+strings.Join(batch, ",")+"]"), nil); status != 202 || !strings.Contains(body, "batch-2") {
		t.Fatalf("batch: %d %s", status, body)
	}
	// A redelivered event (same source and id) is stored once.
	if status, _ := h.post("/events", ctStructured, []byte(batch[0]), nil); status != 202 {
		t.Fatalf("duplicate: %d", status)
	}
	testwait.For(t, 10*time.Second, "four invocations", func() bool { return rec.len() == 4 })
	if n := h.streamMsgs(StreamEvents); n != 4 {
		t.Errorf("CB_EVENTS holds %d, want 4 (the duplicate deduplicated)", n)
	}
	var bin events.Event
	for _, inv := range rec.all() {
		if inv.Event.ID() == "bin-1" {
			bin = inv.Event
		}
	}
	if bin.Source() != "/binary" || bin.Subject() != "feature/x y" || string(bin.Data()) != `{"n":1}` {
		t.Errorf("binary event arrived as %v", bin)
	}
}

func TestStoreFailureAnswers503(t *testing.T) {
	h := startEngine(t, noRules, nil)
	// Make the stream refuse writes: a stream that no longer exists cannot
	// store, which is what an unavailable JetStream looks like to a client.
	if err := h.eng.JetStream().DeleteStream(context.Background(), StreamEvents); err != nil {
		t.Fatal(err)
	}
	e, _ := events.New("com.example.thing", "/s", map[string]int{"a": 1})
	b, _ := json.Marshal(e)
	status, body := h.post("/events", ctStructured, b, nil)
	if status != http.StatusServiceUnavailable {
		t.Errorf("got %d %s, want 503", status, body)
	}
}
