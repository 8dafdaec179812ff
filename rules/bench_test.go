package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
)

// benchTypes are the event types the benchmark rules spread over.
var benchTypes = []string{events.PullRequestCreated, events.PullRequestSourceBranchUpdated, events.ReferenceCreated, events.ReferenceUpdated}

// benchSet compiles n rules that differ only in the constants of the same
// two fields, like a configuration that routes each repository's events.
func benchSet(b *testing.B, n int) *Set {
	b.Helper()
	specs := make([]RuleSpec, n)
	for i := range specs {
		specs[i] = RuleSpec{
			Name:    fmt.Sprintf("rule-%d", i),
			Match:   fmt.Sprintf(`event.type == %q && event.data.repository.name == "repo-%d"`, benchTypes[i%len(benchTypes)], i),
			Targets: []TargetSpec{{Function: "ci"}},
		}
	}
	set, err := Compile(specs, map[string]FunctionConfig{"ci": {Type: "build"}}, EngineConfig{})
	if err != nil {
		b.Fatal(err)
	}
	return set
}

// benchEvent is a pull request event of about 1 KiB that the rule
// number `repo` matches.
func benchEvent(b *testing.B, repo int) events.Event {
	b.Helper()
	d := events.PullRequestData{
		Repository:    events.Repository{Name: fmt.Sprintf("repo-%d", repo), FullName: "acme/repo", CloneURL: "https://github.com/acme/repo.git", Provider: "github"},
		PullRequestID: "1234", Title: "Make the router faster", Author: "octocat",
		SourceReference: "refs/heads/feature/faster-router", DestinationReference: "refs/heads/main",
		SourceCommit: strings.Repeat("a", 40), DestinationCommit: strings.Repeat("b", 40), Status: "OPEN",
		URL: "https://github.com/acme/repo/pull/1234",
	}
	data, _ := json.Marshal(d)
	d.Description = strings.Repeat("x", 1024-len(data)-len(`,"description":""`))
	// Not events.New: the benchmark's reference events carry pull
	// request data, which the catalogue would refuse.
	e := newEvent(b, benchTypes[repo%len(benchTypes)], "https://github.com/acme/repo", d)
	if n := len(e.Data()); n != 1024 {
		b.Fatalf("event data is %d bytes, want 1024", n)
	}
	return e
}

func benchMatch(b *testing.B, n int, all bool) {
	set := benchSet(b, n)
	e := benchEvent(b, n/2)
	match := set.Match
	if all {
		match = set.MatchAll
	}
	ctx := context.Background()
	if ms, errs := match(ctx, e); len(ms) != 1 || len(errs) > 0 {
		b.Fatalf("matches %v errors %v", ms, errs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ms, _ := match(ctx, e)
		if len(ms) != 1 {
			b.Fatal("no match")
		}
	}
}

func BenchmarkMatch100(b *testing.B)             { benchMatch(b, 100, false) }
func BenchmarkMatch10000(b *testing.B)           { benchMatch(b, 10000, false) }
func BenchmarkMatchBruteForce10000(b *testing.B) { benchMatch(b, 10000, true) }

// BenchmarkMatchNoCandidate is an event no rule's indexed value selects:
// the data is decoded for the index lookup and nothing is evaluated.
func BenchmarkMatchNoCandidate(b *testing.B) {
	set := benchSet(b, 10000)
	e := benchEvent(b, 20000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if ms, _ := set.Match(ctx, e); len(ms) != 0 {
			b.Fatal("matched")
		}
	}
}
