package events

import (
	"os"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/nats-io/nats.go"
)

// encodeFuzzHeaders writes headers as "name: value" lines, the form the
// fuzz corpus uses.
func encodeFuzzHeaders(h nats.Header) string {
	var lines []string
	for k, vs := range h {
		for _, v := range vs {
			lines = append(lines, k+": "+v)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func decodeFuzzHeaders(s string) nats.Header {
	h := nats.Header{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if ok {
			h.Add(k, v)
		}
	}
	return h
}

// FuzzFromMsg feeds FromMsg arbitrary headers and bodies. It must not
// panic, and whatever it accepts must validate and survive ToMsg/FromMsg
// unchanged, with headers that a NATS message can carry.
func FuzzFromMsg(f *testing.F) {
	for _, file := range exampleFiles(f) {
		e := loadEvent(f, file)
		m := ToMsg("x", e)
		f.Add(encodeFuzzHeaders(m.Header), m.Data)
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("content-type: application/cloudevents+json", body)
		f.Add("", body)
	}
	f.Add("ce-specversion: 2.0\nce-id: 1", []byte("x"))
	f.Add("content-type: text/plain", []byte("x"))
	f.Add("ce-specversion: 1.0\nce-id: a%20b\nce-source: s\nce-type: com.example.x\nce-cbhops: 3\nce-time: 2026-01-02T03:04:05.123456789+02:00", []byte(""))

	f.Fuzz(func(t *testing.T, headers string, body []byte) {
		e, err := FromMsg(&nats.Msg{Subject: "x", Header: decodeFuzzHeaders(headers), Data: body})
		if err != nil {
			return
		}
		if err := Validate(e); err != nil {
			t.Fatalf("FromMsg returned an event that does not validate: %v", err)
		}
		m := ToMsg(Subject(e.Type()), e)
		for k, vs := range m.Header {
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n") || strings.TrimSpace(v) != v {
					t.Fatalf("ToMsg header %s = %q cannot travel in a NATS header", k, v)
				}
			}
		}
		again, err := FromMsg(m)
		if err != nil {
			t.Fatalf("re-encoded event refused: %v (headers %v)", err, m.Header)
		}
		if d := diffEvents(e, again); d != "" {
			t.Fatalf("re-encoding changed the event: %s", d)
		}
	})
}

// FuzzSubject checks that every type maps to a subject without wildcards or
// whitespace that maps back to the same type.
func FuzzSubject(f *testing.F) {
	for _, typ := range Types() {
		f.Add(typ)
	}
	for _, file := range exampleFiles(f) {
		f.Add(loadEvent(f, file).Type())
	}
	for _, s := range []string{"", ".", "a..b", "com.example.*", "com.example.>", "a b", "100%", "%2A", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typ string) {
		s := Subject(typ)
		if strings.ContainsAny(s, "*>") || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
			t.Fatalf("Subject(%q) = %q", typ, s)
		}
		if strings.Contains(s, "..") || strings.HasSuffix(s, ".") {
			t.Fatalf("Subject(%q) = %q has an empty token", typ, s)
		}
		back, err := TypeFromSubject(s)
		if err != nil || back != typ {
			t.Fatalf("TypeFromSubject(Subject(%q)) = %q, %v", typ, back, err)
		}
		// And the other way: a subject TypeFromSubject accepts is canonical.
		if got, err := TypeFromSubject(typ); err == nil && Subject(got) != typ {
			t.Fatalf("TypeFromSubject(%q) = %q, which maps to %q", typ, got, Subject(got))
		}
	})
}
