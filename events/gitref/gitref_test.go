package gitref

import (
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
)

func TestEventTypes(t *testing.T) {
	a := strings.Repeat("a", 40)
	b := strings.Repeat("b", 40)
	cases := []struct {
		c         Change
		typ, kind string
		name      string
	}{
		{Change{ZeroID, a, "refs/heads/main"}, events.ReferenceCreated, "branch", "main"},
		{Change{a, b, "refs/heads/feature/x"}, events.ReferenceUpdated, "branch", "feature/x"},
		{Change{a, ZeroID, "refs/heads/old"}, events.ReferenceDeleted, "branch", "old"},
		{Change{ZeroID, a, "refs/tags/v1.0"}, events.ReferenceCreated, "tag", "v1.0"},
	}
	for _, c := range cases {
		e, err := Event("https://user:tok@git.example.com/acme/app.git", c.c, "ada")
		if err != nil {
			t.Fatalf("%v: %v", c.c, err)
		}
		d, err := events.DecodeData(e)
		if err != nil {
			t.Fatal(err)
		}
		rd := d.(*events.ReferenceData)
		if e.Type() != c.typ || rd.ReferenceType != c.kind || rd.ReferenceName != c.name || e.Subject() != c.c.Ref {
			t.Errorf("%v: got %s %s %s", c.c, e.Type(), rd.ReferenceType, rd.ReferenceName)
		}
		if strings.Contains(e.Source(), "tok") || strings.Contains(rd.Repository.CloneURL, "tok") {
			t.Errorf("credentials leaked into the event: %s %s", e.Source(), rd.Repository.CloneURL)
		}
		if rd.Repository.Name != "app" {
			t.Errorf("repository name %q", rd.Repository.Name)
		}
	}
	e1, _ := Event("/srv/git/app.git", cases[1].c, "")
	e2, _ := Event("/srv/git/app.git", cases[1].c, "")
	if e1.ID() != e2.ID() || e1.Source() != "file:///srv/git/app.git" {
		t.Errorf("ids %s %s (must be stable), source %s", e1.ID(), e2.ID(), e1.Source())
	}
}

func TestParseLine(t *testing.T) {
	a := strings.Repeat("a", 40)
	if c, err := ParseLine(ZeroID + " " + a + " refs/heads/main"); err != nil || c.New != a || c.Ref != "refs/heads/main" {
		t.Errorf("good line: %+v %v", c, err)
	}
	for _, bad := range []string{"", "x y", a + " " + a, "zz " + a + " refs/heads/x", a + " " + a + " main", a + " " + a + " refs/heads/x extra"} {
		if _, err := ParseLine(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add(ZeroID + " " + strings.Repeat("a", 40) + " refs/heads/main")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseLine(line)
		if err != nil {
			return
		}
		if _, err := Event("/srv/git/app.git", c, ""); err != nil && !strings.Contains(err.Error(), "gitref:") {
			t.Errorf("unexpected error %v", err)
		}
	})
}
