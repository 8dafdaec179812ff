package exec

import (
	"errors"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		isEvent   bool
		wantField string // the field an invalid event's error names
	}{
		{"blank", "   ", false, ""},
		{"text", "compiling...", false, ""},
		{"array", "[1,2]", false, ""},
		{"broken json", `{"specversion":`, false, ""},
		{"log object", `{"level":"info","type":"audit"}`, false, ""},
		{"full event", `{"specversion":"1.0","id":"1","source":"/s","type":"com.example.x","data":{"a":1}}`, true, ""},
		{"filled in", `{"type":"com.example.x","source":"/s"}`, true, ""},
		{"crlf", "{\"type\":\"com.example.x\",\"source\":\"/s\"}\r", true, ""},
		{"no source", `{"specversion":"1.0","id":"1","type":"com.example.x"}`, true, "source"},
		{"empty id", `{"specversion":"1.0","id":"","source":"/s","type":"com.example.x"}`, true, "id"},
		{"bad type", `{"specversion":"1.0","id":"1","source":"/s","type":"nodots"}`, true, "type"},
		{"unknown catalogue type", `{"specversion":"1.0","id":"1","source":"/s","type":"dev.codebridge.nope.x"}`, true, "type"},
		{"catalogue data missing", `{"specversion":"1.0","id":"1","source":"/s","type":"dev.codebridge.build.stateChanged"}`, true, "data"},
		{"old specversion", `{"specversion":"0.3","id":"1","source":"/s","type":"com.example.x"}`, true, "specversion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, isEvent, err := parseLine([]byte(tt.line))
			if isEvent != tt.isEvent {
				t.Fatalf("isEvent = %v, want %v", isEvent, tt.isEvent)
			}
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if isEvent {
					if err := events.Validate(ev); err != nil {
						t.Errorf("returned event is invalid: %v", err)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one naming %q", tt.wantField)
			}
			var fe *events.FieldError
			if errors.As(err, &fe) {
				if fe.Field != tt.wantField {
					t.Errorf("error names %q, want %q (%v)", fe.Field, tt.wantField, err)
				}
			} else if !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("error %q does not name %q", err, tt.wantField)
			}
		})
	}
}

// FuzzParseLine checks that no stdout line makes the parser panic, and that
// whatever it returns as an event is valid.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"", "hello", "{}", "[]", `{"specversion":"1.0"}`,
		`{"specversion":"1.0","id":"1","source":"/s","type":"com.example.x","data":{"a":1}}`,
		`{"type":"com.example.x","source":"/s","data_base64":"aGk="}`,
		`{"type":"com.example.x","source":"/s","time":"yesterday"}`,
		`{"type":"com.example.x","source":"/s","Bad-Ext":1}`,
		`{"type":"com.example.x","source":"/s","ext":{"nested":true}}`,
		`{"specversion":"1.0","id":"1","source":"/s","type":"dev.codebridge.build.stateChanged","data":{"buildId":"b"}}`,
		`{"type":"com.example.x","source":"::::","cbhops":-1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		ev, isEvent, err := parseLine(line)
		if !isEvent && err != nil {
			t.Fatalf("error %v for a line that is not an event", err)
		}
		if isEvent && err == nil {
			if verr := events.Validate(ev); verr != nil {
				t.Fatalf("returned an invalid event: %v", verr)
			}
		}
	})
}

func TestScanLines(t *testing.T) {
	type got struct {
		line string
		cut  bool
	}
	tests := []struct {
		name    string
		in      string
		maxLine int
		stopAt  int // fn returns false on this line (1-based); 0: never
		want    []got
	}{
		{"plain", "a\nbb\n", 10, 0, []got{{"a", false}, {"bb", false}}},
		{"no final newline", "a\nbb", 10, 0, []got{{"a", false}, {"bb", false}}},
		{"crlf and blank", "a\r\n\nb\n", 10, 0, []got{{"a", false}, {"", false}, {"b", false}}},
		{"cut", "abcdef\nxy\n", 3, 0, []got{{"abc", true}, {"xy", false}}},
		{"stop", "a\nb\nc\n", 10, 2, []got{{"a", false}, {"b", false}}},
		{"long line past the buffer", strings.Repeat("z", 200<<10) + "\nend\n", 5, 0, []got{{"zzzzz", true}, {"end", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []got
			r := strings.NewReader(tt.in)
			scanLines(r, tt.maxLine, func(b []byte, cut bool) bool {
				lines = append(lines, got{string(b), cut})
				return len(lines) != tt.stopAt
			})
			if len(lines) != len(tt.want) {
				t.Fatalf("lines = %+v, want %+v", lines, tt.want)
			}
			for i := range lines {
				if lines[i] != tt.want[i] {
					t.Errorf("line %d = %+v, want %+v", i, lines[i], tt.want[i])
				}
			}
			if r.Len() != 0 {
				t.Errorf("%d bytes left unread", r.Len())
			}
		})
	}
}

func TestTail(t *testing.T) {
	tl := tail{max: 10}
	for _, l := range []string{"one", "two", "three", "four"} {
		tl.add(l)
	}
	if got := tl.String(); got != "three\nfour" {
		t.Errorf("tail = %q", got)
	}
	tl = tail{max: 4}
	tl.add("a-very-long-line")
	if got := tl.String(); got != "line" {
		t.Errorf("tail = %q", got)
	}
}
