package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cloudevents/sdk-go/v2/types"
)

// exampleDir holds one example event per catalogue type, named after the
// type without the namespace: repository.referenceCreated.json and so on.
const exampleDir = "../testdata/events"

// exampleFiles returns the example event files of catalogue types, sorted.
// An example written ahead of its type joining the catalogue is left out.
func exampleFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(exampleDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example events in %s: %v", exampleDir, err)
	}
	sort.Strings(files)
	var out []string
	for _, f := range files {
		if Known(typeOfFile(f)) {
			out = append(out, f)
		}
	}
	return out
}

// loadEvent reads a structured-mode event from a file.
func loadEvent(t testing.TB, path string) Event {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var e Event
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return e
}

// typeOfFile maps repository.referenceCreated.json to its event type.
func typeOfFile(path string) string {
	return Namespace + strings.TrimSuffix(filepath.Base(path), ".json")
}

// diffEvents describes how b differs from a, or returns "" when they carry
// the same event: attributes, extensions (compared in their canonical string
// form, since binary mode turns them into text), data bytes and the time
// instant.
func diffEvents(a, b Event) string {
	var d []string
	attr := func(name, x, y string) {
		if x != y {
			d = append(d, fmt.Sprintf("%s: %q != %q", name, x, y))
		}
	}
	attr("specversion", a.SpecVersion(), b.SpecVersion())
	attr("id", a.ID(), b.ID())
	attr("source", a.Source(), b.Source())
	attr("type", a.Type(), b.Type())
	attr("subject", a.Subject(), b.Subject())
	attr("dataschema", a.DataSchema(), b.DataSchema())
	attr("datacontenttype", a.DataContentType(), b.DataContentType())
	if !a.Time().Equal(b.Time()) {
		d = append(d, fmt.Sprintf("time: %v != %v", a.Time(), b.Time()))
	}
	attr("extensions", formatExtensions(a), formatExtensions(b))
	if !bytes.Equal(a.Data(), b.Data()) {
		d = append(d, fmt.Sprintf("data: %q != %q", a.Data(), b.Data()))
	}
	return strings.Join(d, "; ")
}

func formatExtensions(e Event) string {
	var parts []string
	for k, v := range e.Extensions() {
		s, err := types.Format(v)
		if err != nil {
			s = fmt.Sprintf("!%v", err)
		}
		parts = append(parts, k+"="+s)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func fmtType(v any) string { return fmt.Sprintf("%T", v) }
