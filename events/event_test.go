package events

import (
	"path/filepath"
	"testing"
)

func TestHops(t *testing.T) {
	e := loadEvent(t, filepath.Join(exampleDir, "engine.ruleDisabled.json"))
	if Hops(e) != 0 {
		t.Errorf("Hops without the extension = %d", Hops(e))
	}
	SetHops(&e, 3)
	if Hops(e) != 3 {
		t.Errorf("Hops = %d after SetHops(3)", Hops(e))
	}
	for _, bad := range []any{"x", int32(-2), true} {
		e.SetExtension(ExtHops, bad)
		if Hops(e) != 0 {
			t.Errorf("Hops with %v = %d, want 0", bad, Hops(e))
		}
	}
	e.SetExtension(ExtHops, "7") // as binary mode from a foreign producer carries it
	if Hops(e) != 7 {
		t.Errorf("Hops with string 7 = %d", Hops(e))
	}
}

func TestMarkCaused(t *testing.T) {
	cause := loadEvent(t, filepath.Join(exampleDir, "repository.pullRequestCreated.json"))
	SetHops(&cause, 2)

	e := loadEvent(t, filepath.Join(exampleDir, "build.phaseChanged.json"))
	if err := MarkCaused(&e, cause, map[string]any{"pr": "7", "n": 1.5}); err != nil {
		t.Fatal(err)
	}
	if Cause(e) != cause.ID() || Hops(e) != 3 {
		t.Errorf("cause %q hops %d", Cause(e), Hops(e))
	}
	if c := Context(e); c["pr"] != "7" || c["n"] != 1.5 {
		t.Errorf("Context = %v", c)
	}
	if err := Validate(e); err != nil {
		t.Errorf("marked event does not validate: %v", err)
	}

	plain := loadEvent(t, filepath.Join(exampleDir, "build.phaseChanged.json"))
	if err := MarkCaused(&plain, e, nil); err != nil {
		t.Fatal(err)
	}
	if Hops(plain) != 4 || Cause(plain) != e.ID() {
		t.Errorf("chained: hops %d cause %q", Hops(plain), Cause(plain))
	}
	if _, ok := plain.Extensions()[ExtContext]; ok || Context(plain) != nil {
		t.Error("MarkCaused without a context set cbcontext")
	}

	if err := MarkCaused(&plain, e, map[string]any{"f": func() {}}); err == nil {
		t.Error("MarkCaused accepted a context that is not JSON")
	}
}

func TestContextUnreadable(t *testing.T) {
	e := loadEvent(t, filepath.Join(exampleDir, "engine.ruleDisabled.json"))
	for _, v := range []string{"", "not json", "[1,2]", `"s"`} {
		e.SetExtension(ExtContext, v)
		if c := Context(e); c != nil {
			t.Errorf("Context(%q) = %v, want nil", v, c)
		}
	}
	if Cause(e) != "" {
		t.Errorf("Cause without the extension = %q", Cause(e))
	}
}
