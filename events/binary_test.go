package events_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/codebridge/codebridge/events"
)

func TestToHeaders(t *testing.T) {
	e, err := events.New("com.example.headers", "/src with space", map[string]any{"a": 1},
		events.WithID("id 100%"), events.WithSubject("sub ü"),
		events.WithTime(time.Date(2026, 5, 6, 7, 8, 9, 10, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	e.SetExtension("region", "eu west")
	got := map[string]string{}
	if err := events.ToHeaders(e, func(k, v string) { got[k] = v }); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ce-specversion": "1.0",
		"ce-id":          "id%20100%25",
		"ce-source":      "/src%2520with%2520space", // the URI-reference form, then encoded
		"ce-type":        "com.example.headers",
		"ce-subject":     "sub%20%C3%BC",
		"ce-time":        "2026-05-06T07:08:09.00000001Z",
		"ce-region":      "eu%20west",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("headers =\n%v\nwant\n%v", got, want)
	}
	names := make([]string, 0, len(got))
	for k := range got {
		names = append(names, k)
	}
	back, err := events.FromHeaders(names, func(k string) string { return got[k] }, e.DataContentType(), e.Data())
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != e.String() {
		t.Errorf("FromHeaders(ToHeaders(e)) =\n%s\nwant\n%s", back, e)
	}
}

func TestToHeadersUnformattableExtension(t *testing.T) {
	e, err := events.New("com.example.headers", "/src", nil)
	if err != nil {
		t.Fatal(err)
	}
	// SetExtension refuses such a value; only a context written directly
	// can hold one.
	e.Context.(*event.EventContextV1).Extensions = map[string]any{"odd": struct{ A int }{7}}
	got := map[string]string{}
	err = events.ToHeaders(e, func(k, v string) { got[k] = v })
	if err == nil || !strings.Contains(err.Error(), "extension odd") {
		t.Errorf("err = %v, want one naming extension odd", err)
	}
	if got["ce-odd"] != "{7}" || got["ce-id"] == "" {
		t.Errorf("headers = %v, want ce-odd written as fmt.Sprint prints it", got)
	}
}

func TestEncodeHeaderValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain-id_1.2/3:x?y=z", "plain-id_1.2/3:x?y=z"},
		{"a b", "a%20b"},
		{`say "hi"`, "say%20%22hi%22"},
		{"100%", "100%25"},
		{"tab\tnl\n\x7f", "tab%09nl%0A%7F"},
		{"café", "caf%C3%A9"},
	}
	for _, tt := range tests {
		got := events.EncodeHeaderValue(tt.in)
		if got != tt.want {
			t.Errorf("EncodeHeaderValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// FromHeaders decodes header values with url.PathUnescape.
		if back, err := url.PathUnescape(got); err != nil || back != tt.in {
			t.Errorf("PathUnescape(%q) = %q, %v, want %q", got, back, err, tt.in)
		}
	}
}

func FuzzEncodeHeaderValue(f *testing.F) {
	for _, s := range []string{"", "a b", "100%", "café", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := events.EncodeHeaderValue(s)
		for i := 0; i < len(got); i++ {
			if c := got[i]; c <= ' ' || c >= 0x7f || c == '"' {
				t.Fatalf("EncodeHeaderValue(%q) = %q keeps byte %#x", s, got, c)
			}
		}
		if back, err := url.PathUnescape(got); err != nil || back != s {
			t.Fatalf("PathUnescape(EncodeHeaderValue(%q)) = %q, %v", s, back, err)
		}
	})
}

func ExampleEncodeHeaderValue() {
	fmt.Println(events.EncodeHeaderValue(`build "42" at 100%`))
	// Output:
	// build%20%2242%22%20at%20100%25
}
