package http

import (
	nethttp "net/http"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
)

func TestBinaryRoundTrip(t *testing.T) {
	e, err := events.New("com.example.round", "/src with space", map[string]any{"a": "ü"},
		events.WithSubject("100% \"quoted\" ü\n"), events.WithTime(time.Date(2026, 5, 6, 7, 8, 9, 10, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	e.SetExtension("region", "eu west")
	h := nethttp.Header{}
	if err := events.ToHeaders(e, h.Set); err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", e.DataContentType())
	for k, vs := range h {
		for _, v := range vs {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c <= ' ' || c >= 0x7f || c == '"' {
					t.Errorf("header %s = %q carries %q unencoded", k, v, c)
				}
			}
		}
	}
	got, err := fromBinary(h, e.Data())
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != e.String() {
		t.Errorf("round trip changed the event:\n got %s\nwant %s", got, e)
	}
}

// FuzzFromBinary checks that no reply headers make the binary decoder panic.
func FuzzFromBinary(f *testing.F) {
	f.Add("1.0", "id-1", "/s", "com.example.x", "subj%20x", "2026-01-02T03:04:05Z", "ext", "v", []byte(`{"a":1}`))
	f.Add("2.0", "", "", "", "", "", "", "", []byte{})
	f.Add("0.3", "x", "::", "nodots", "%zz", "yesterday", "Bad-Ext", "%", []byte("{"))
	f.Fuzz(func(t *testing.T, spec, id, source, typ, subject, tm, extName, extVal string, body []byte) {
		h := nethttp.Header{}
		for k, v := range map[string]string{"Specversion": spec, "Id": id, "Source": source, "Type": typ, "Subject": subject, "Time": tm, extName: extVal} {
			if k != "" && v != "" {
				h.Set(headerPrefix+k, v)
			}
		}
		e, err := fromBinary(h, body)
		if err == nil {
			_ = events.Validate(e)
			_ = e.Validate()
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, false},
		{"-1", 0, false},
		{"1e3", 0, false},
		{"", 0, false},
		{"Thu, 01 Jan 2026 00:01:30 GMT", 90 * time.Second, true},
		{"Wed, 31 Dec 2025 23:00:00 GMT", 0, false}, // in the past
		{"99999999999999999999", 0, false},          // overflows int64
		{"999999999", maxRetryAfter, true},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.v, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}
