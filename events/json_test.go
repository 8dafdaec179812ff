package events

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestAppendJSONMatchesSDK: the fast encoder writes the document the SDK's
// json.Marshal writes (compared as decoded JSON, since key order may differ).
func TestAppendJSONMatchesSDK(t *testing.T) {
	e, err := New("com.example.thing", "https://x.example/a b", map[string]any{"n": 1, "s": "<tag> & \"q\"\n"},
		WithID("id-1"), WithSubject("refs/heads/feat\u00e9"), WithTime(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	SetHops(&e, 3)
	e.SetExtension(ExtCause, "cause-\"1\"")
	e.SetExtension(ExtContext, `{"pr":7}`)
	bin, _ := New("com.example.bin", "/s", nil, WithID("b"))
	bin.SetData("application/octet-stream", []byte{0, 1, 2, 250})
	for _, ev := range []Event{e, bin} {
		want, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		got := AppendJSON(nil, ev)
		var w, g map[string]any
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("AppendJSON wrote invalid JSON %s: %v", got, err)
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("AppendJSON =\n%s\nwant (json.Marshal)\n%s", got, want)
		}
		var back Event
		if err := json.Unmarshal(got, &back); err != nil || back.ID() != ev.ID() || string(back.Data()) != string(ev.Data()) {
			t.Errorf("round trip: %v %v", back, err)
		}
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	e, _ := New(ReferenceUpdated, "https://git.example.com/acme/app", &ReferenceData{
		Repository:        Repository{Name: "app", FullName: "acme/app", CloneURL: "https://git.example.com/acme/app.git", Provider: "git"},
		ReferenceFullName: "refs/heads/main", ReferenceName: "main", ReferenceType: ReferenceTypeBranch,
		CommitID: "2222222222222222222222222222222222222222", OldCommitID: "1111111111111111111111111111111111111111",
	})
	b.Run("AppendJSON", func(b *testing.B) {
		buf := make([]byte, 0, 2048)
		for i := 0; i < b.N; i++ {
			buf = AppendJSON(buf[:0], e)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = json.Marshal(e)
		}
	})
}
