package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
)

func TestIndexSelection(t *testing.T) {
	specs := []RuleSpec{
		// type has 2 values across the rules, repository name 3: the
		// rules are indexed under the name where they can be.
		{Name: "r0", Match: `event.type == "t.a" && event.data.repository.name == "one"`},
		{Name: "r1", Match: `"two" == event.data.repository.name && event.type == "t.a"`},
		{Name: "r2", Match: `event["data"]["repository"]["name"] in ["three", "one", "one"] && event.type == "t.b"`},
		{Name: "r3", Match: `event.type == "t.b"`},
		{Name: "r4", Match: `event.type.startsWith("t.") || event.data.repository.name == "x"`},
		{Name: "r5", Match: `has(event.data.repository) && event.source != "s"`},
		{Name: "r6", Match: `event.type in ["t.a", event.source]`},
	}
	for i := range specs {
		specs[i].Targets = []TargetSpec{{Function: "f"}}
	}
	set, err := Compile(specs, map[string]FunctionConfig{"f": {Type: "x"}}, EngineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range set.idx.paths {
		keys := make([]string, 0, len(p.byValue))
		for v := range p.byValue {
			keys = append(keys, v)
		}
		slices.Sort(keys)
		for _, v := range keys {
			got = append(got, fmt.Sprintf("%s=%s:%v", strings.Join(p.path, "."), v, p.byValue[v]))
		}
	}
	got = append(got, fmt.Sprintf("always:%v", set.idx.always))
	want := "data.repository.name=one:[0 2] data.repository.name=three:[2] data.repository.name=two:[1] type=t.b:[3] always:[4 5 6]"
	if strings.Join(got, " ") != want {
		t.Errorf("index\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestIndexProperty: for random rule sets and random events, Match (with
// the index) returns exactly the matches of MatchAll (every rule
// evaluated), and its errors are a subset of MatchAll's.
func TestIndexProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	paths := []string{`event.type`, `event.source`, `event.subject`, `event.data.repository.name`, `event["data"]["status"]`, `event.extensions.env`, `event.context.pr`, `event.data.n`}
	values := []string{"a", "b", "c", "d"}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	conjunct := func() string {
		p, v := pick(paths), pick(values)
		switch rng.IntN(8) {
		case 0:
			return fmt.Sprintf("%q == %s", v, p)
		case 1:
			return fmt.Sprintf("%s in [%q, %q]", p, v, pick(values))
		case 2:
			return fmt.Sprintf("%s != %q", p, v)
		case 3:
			return fmt.Sprintf("(%s == %q || %s == %q)", p, v, pick(paths), pick(values))
		case 4:
			return fmt.Sprintf("has(%s)", strings.Replace(p, `event["data"]["status"]`, "event.data.status", 1))
		case 5:
			return fmt.Sprintf("%s == 1", p)
		default:
			return fmt.Sprintf("%s == %q", p, v)
		}
	}
	for round := range 40 {
		n := 1 + rng.IntN(30)
		specs := make([]RuleSpec, n)
		for i := range specs {
			parts := make([]string, 1+rng.IntN(3))
			for j := range parts {
				parts[j] = conjunct()
			}
			specs[i] = RuleSpec{Name: fmt.Sprintf("r%d", i), Match: strings.Join(parts, " && "), Disabled: rng.IntN(10) == 0,
				Targets: []TargetSpec{{Function: "f", Input: `event.type`}}}
		}
		set, err := Compile(specs, map[string]FunctionConfig{"f": {Type: "x"}}, EngineConfig{})
		if err != nil {
			t.Fatal(err)
		}
		for range 50 {
			e := randomEvent(t, rng, values)
			indexed, ierrs := set.Match(context.Background(), e)
			all, aerrs := set.MatchAll(context.Background(), e)
			if matchNames(indexed) != matchNames(all) {
				t.Fatalf("round %d: event %s\nMatch    %s\nMatchAll %s\nrules:\n%s", round, e, matchNames(indexed), matchNames(all), describe(specs))
			}
			for _, err := range ierrs {
				if !slices.ContainsFunc(aerrs, func(a error) bool { return a.Error() == err.Error() }) {
					t.Fatalf("round %d: Match reported %v, MatchAll did not", round, err)
				}
			}
		}
	}
}

func randomEvent(t *testing.T, rng *rand.Rand, values []string) events.Event {
	pick := func() string { return values[rng.IntN(len(values))] }
	data := map[string]any{}
	switch rng.IntN(4) {
	case 0: // no repository
	case 1:
		data["repository"] = "not a map"
	default:
		data["repository"] = map[string]any{"name": pick()}
	}
	if rng.IntN(2) == 0 {
		data["status"] = pick()
	}
	if rng.IntN(3) == 0 {
		data["n"] = 1
	}
	var d any = data
	if rng.IntN(10) == 0 {
		d = nil
	}
	e := newEvent(t, pick(), pick(), d)
	if rng.IntN(2) == 0 {
		e.SetSubject(pick())
	}
	if rng.IntN(2) == 0 {
		e.SetExtension("env", pick())
	}
	if rng.IntN(3) == 0 {
		e.SetExtension("cbcontext", fmt.Sprintf(`{"pr":%q}`, pick()))
	}
	return e
}

func describe(specs []RuleSpec) string {
	var b strings.Builder
	for _, s := range specs {
		fmt.Fprintf(&b, "  %s (disabled %v): %s\n", s.Name, s.Disabled, s.Match)
	}
	return b.String()
}
