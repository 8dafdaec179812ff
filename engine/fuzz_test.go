package engine

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/codebridge/codebridge/events"
)

// FuzzDecodeHTTP feeds the HTTP ingest decoder arbitrary bodies in each
// content mode: it must never panic, and whatever it accepts must be valid
// events that survive a JSON round trip.
func FuzzDecodeHTTP(f *testing.F) {
	files, _ := filepath.Glob("../testdata/events/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(0), b)
		f.Add(uint8(1), append(append([]byte("["), b...), ']'))
	}
	f.Add(uint8(2), []byte(`{"n":1}`))
	f.Add(uint8(0), []byte(`{"specversion":"1.0"`))
	f.Fuzz(func(t *testing.T, mode uint8, body []byte) {
		r, _ := http.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
		switch mode % 3 {
		case 0:
			r.Header.Set("Content-Type", ctStructured)
		case 1:
			r.Header.Set("Content-Type", ctBatch)
		case 2:
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("ce-specversion", "1.0")
			r.Header.Set("ce-id", "fuzz")
			r.Header.Set("ce-source", "/fuzz")
			r.Header.Set("ce-type", "com.example.fuzz")
		}
		evs, err := decodeHTTP(r, body, 256<<10)
		if err != nil {
			return
		}
		for _, e := range evs {
			if err := events.Validate(e); err != nil {
				t.Fatalf("accepted an invalid event: %v", err)
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatalf("accepted event does not encode: %v", err)
			}
			var back events.Event
			if err := json.Unmarshal(b, &back); err != nil || back.ID() != e.ID() {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}
