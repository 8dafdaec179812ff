package report

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
)

func fixture(name string) string {
	return filepath.Join("..", "..", "..", "testdata", "buildspecs", name)
}

func TestJUnitFixture(t *testing.T) {
	tot := Totals{Name: "unit"}
	if err := tot.AddFile(fixture("junit.xml")); err != nil {
		t.Fatal(err)
	}
	if err := tot.AddFile(fixture("junit-single.xml")); err != nil {
		t.Fatal(err)
	}
	want := events.ReportSummary{
		Name: "unit", Total: 8, Passed: 5, Failed: 2, Skipped: 1, PassRate: 62.5,
		Failures: []string{
			"pkg/calc.TestDiv: division by zero not caught",
			"pkg/io.TestWrite: panic: nil map",
		},
	}
	if got := tot.Summary(); !reflect.DeepEqual(got, want) {
		t.Errorf("summary = %+v\nwant %+v", got, want)
	}
}

func TestJUnitErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"not xml", "not JUnit XML"},
		{"<html><body/></html>", "root element is <html>"},
	}
	for _, tt := range tests {
		var tot Totals
		err := tot.Add(strings.NewReader(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Add(%q) = %v, want %q", tt.doc, err, tt.want)
		}
	}
	if (&Totals{}).Summary().PassRate != 0 {
		t.Error("empty pass rate")
	}
}

func FuzzJUnit(f *testing.F) {
	f.Add(`<testsuites><testsuite><testcase name="a"><failure message="m"/></testcase></testsuite></testsuites>`)
	f.Fuzz(func(t *testing.T, doc string) {
		var tot Totals
		if tot.Add(strings.NewReader(doc)) == nil {
			if tot.Passed+tot.Failed+tot.Skipped != tot.Total {
				t.Fatalf("totals do not add up: %+v", tot)
			}
		}
	})
}
