package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/codebridge/codebridge/events"
)

// maxFailures bounds the failing cases kept per group, so one broken suite
// does not blow up a build record or an event.
const maxFailures = 50

// maxMessage bounds one failure message.
const maxMessage = 500

type suite struct {
	Suites []suite    `xml:"testsuite"`
	Cases  []testcase `xml:"testcase"`
}

type testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Failure   *outcome `xml:"failure"`
	Error     *outcome `xml:"error"`
	Skipped   *outcome `xml:"skipped"`
}

type outcome struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// Totals accumulates test cases over the files of one report group.
type Totals struct {
	Name     string
	Total    int
	Passed   int
	Failed   int
	Skipped  int
	Failures []string
}

// AddFile reads one JUnit XML file into t.
func (t *Totals) AddFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("report: open %s: %w", path, err)
	}
	defer f.Close()
	if err := t.Add(f); err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	return nil
}

// Add reads one JUnit XML document into t.
func (t *Totals) Add(r io.Reader) error {
	var root struct {
		XMLName xml.Name
		suite
	}
	if err := xml.NewDecoder(r).Decode(&root); err != nil {
		return fmt.Errorf("not JUnit XML: %w", err)
	}
	switch root.XMLName.Local {
	case "testsuites", "testsuite":
	default:
		return fmt.Errorf("not JUnit XML: root element is <%s>, want <testsuites> or <testsuite>", root.XMLName.Local)
	}
	t.addSuite(root.suite)
	return nil
}

func (t *Totals) addSuite(s suite) {
	for _, c := range s.Cases {
		t.Total++
		switch {
		case c.Failure != nil:
			t.fail(c, c.Failure)
		case c.Error != nil:
			t.fail(c, c.Error)
		case c.Skipped != nil:
			t.Skipped++
		default:
			t.Passed++
		}
	}
	for _, sub := range s.Suites {
		t.addSuite(sub)
	}
}

func (t *Totals) fail(c testcase, o *outcome) {
	t.Failed++
	if len(t.Failures) >= maxFailures {
		return
	}
	name := c.Name
	if c.Classname != "" {
		name = c.Classname + "." + c.Name
	}
	msg := strings.TrimSpace(o.Message)
	if msg == "" {
		msg = strings.TrimSpace(o.Body)
	}
	if len(msg) > maxMessage {
		msg = msg[:maxMessage] + "..."
	}
	if msg != "" {
		name += ": " + msg
	}
	t.Failures = append(t.Failures, name)
}

// Summary is the catalogue's form of t. PassRate is passed / total as a
// percentage, 0 when there are no tests.
func (t *Totals) Summary() events.ReportSummary {
	s := events.ReportSummary{Name: t.Name, Total: t.Total, Passed: t.Passed, Failed: t.Failed, Skipped: t.Skipped, Failures: t.Failures}
	if t.Total > 0 {
		s.PassRate = float64(int(float64(t.Passed)/float64(t.Total)*10000+0.5)) / 100
	}
	return s
}
