package events

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"
)

func TestExamplesCoverCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range exampleFiles(t) {
		e := loadEvent(t, f)
		if got, want := e.Type(), typeOfFile(f); got != want {
			t.Errorf("%s: type %q, want %q (file name follows the type)", f, got, want)
		}
		seen[e.Type()] = true
	}
	for _, typ := range Types() {
		if !seen[typ] {
			t.Errorf("no example event for %s in %s", typ, exampleDir)
		}
	}
}

func TestValidateExamples(t *testing.T) {
	for _, f := range exampleFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			e := loadEvent(t, f)
			if err := Validate(e); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			d, err := DecodeData(e)
			if err != nil {
				t.Fatalf("DecodeData: %v", err)
			}
			if want := NewData(e.Type()); want == nil || typeName(d) != typeName(want) {
				t.Errorf("DecodeData gave %T for %s", d, e.Type())
			}
		})
	}
}

func typeName(v any) string { return fmtType(v) }

// withData returns the example event of typ with its data changed by mutate.
func withData(t *testing.T, typ string, mutate func(m map[string]any)) Event {
	t.Helper()
	e := loadEvent(t, filepath.Join(exampleDir, typ[len(Namespace):]+".json"))
	var m map[string]any
	if err := json.Unmarshal(e.Data(), &m); err != nil {
		t.Fatal(err)
	}
	mutate(m)
	if err := SetJSONData(&e, m); err != nil {
		t.Fatal(err)
	}
	return e
}

// del removes a (possibly nested) key.
func del(path ...string) func(map[string]any) {
	return func(m map[string]any) {
		for _, p := range path[:len(path)-1] {
			m = m[p].(map[string]any)
		}
		delete(m, path[len(path)-1])
	}
}

// set sets a (possibly nested) key.
func set(v any, path ...string) func(map[string]any) {
	return func(m map[string]any) {
		for _, p := range path[:len(path)-1] {
			m = m[p].(map[string]any)
		}
		m[path[len(path)-1]] = v
	}
}

func TestValidateNamesTheField(t *testing.T) {
	good := func(t *testing.T) Event {
		return loadEvent(t, filepath.Join(exampleDir, "repository.referenceCreated.json"))
	}
	tests := []struct {
		name  string
		event func(t *testing.T) Event
		field string
	}{
		{"no specversion", func(t *testing.T) Event { return Event{} }, "specversion"},
		{"specversion 0.3", func(t *testing.T) Event {
			e := good(t)
			e.SetSpecVersion(event.CloudEventsVersionV03)
			return e
		}, "specversion"},
		{"no id", func(t *testing.T) Event {
			e := good(t)
			e.Context.(*event.EventContextV1).ID = "" // SetID refuses ""
			return e
		}, "id"},
		{"no source", func(t *testing.T) Event { e := good(t); e.SetSource(""); return e }, "source"},
		{"no type", func(t *testing.T) Event { e := good(t); e.SetType(""); return e }, "type"},
		{"unknown codebridge type", func(t *testing.T) Event {
			e := good(t)
			e.SetType(Namespace + "repository.referenceRenamed")
			return e
		}, "type"},
		{"un-namespaced type", func(t *testing.T) Event { e := good(t); e.SetType("push"); return e }, "type"},
		{"type with a space", func(t *testing.T) Event { e := good(t); e.SetType("com.example.a b"); return e }, "type"},
		{"datacontenttype not JSON", func(t *testing.T) Event {
			e := good(t)
			e.SetDataContentType("text/plain")
			return e
		}, "datacontenttype"},
		{"datacontenttype with a line break", func(t *testing.T) Event {
			e := good(t)
			e.SetDataContentType("application/json\r\nX-Evil: 1")
			return e
		}, "datacontenttype"},
		{"datacontenttype not a media type", func(t *testing.T) Event {
			e := good(t)
			e.SetDataContentType("json")
			return e
		}, "datacontenttype"},
		{"no data", func(t *testing.T) Event { e := good(t); e.DataEncoded = nil; return e }, "data"},
		{"data not JSON", func(t *testing.T) Event { e := good(t); e.DataEncoded = []byte(`{"repository": `); return e }, "data"},
		{"data an array", func(t *testing.T) Event { e := good(t); e.DataEncoded = []byte(`[1,2]`); return e }, "data"},
		{"data.repository.name a number", func(t *testing.T) Event {
			return withData(t, ReferenceCreated, set(5, "repository", "name"))
		}, "data.repository.name"},
		{"data.referenceFullName a bool", func(t *testing.T) Event {
			return withData(t, ReferenceCreated, set(true, "referenceFullName"))
		}, "data.referenceFullName"},
		{"data.buildNumber a string", func(t *testing.T) Event {
			return withData(t, BuildStateChanged, set("42", "buildNumber"))
		}, "data.buildNumber"},
		{"cbhops negative", func(t *testing.T) Event { e := good(t); e.SetExtension(ExtHops, -1); return e }, ExtHops},
		{"cbhops not a number", func(t *testing.T) Event { e := good(t); e.SetExtension(ExtHops, "many"); return e }, ExtHops},
	}
	// A required data field missing, for every catalogue struct.
	missing := []struct {
		typ  string
		path []string
	}{
		{ReferenceCreated, []string{"repository", "name"}},
		{ReferenceUpdated, []string{"repository", "cloneURL"}},
		{ReferenceDeleted, []string{"referenceFullName"}},
		{PullRequestCreated, []string{"repository", "name"}},
		{PullRequestCreated, []string{"pullRequestId"}},
		{PullRequestSourceBranchUpdated, []string{"sourceReference"}},
		{PullRequestStatusChanged, []string{"destinationReference"}},
		{PullRequestMergeStatusUpdated, []string{"sourceCommit"}},
		{CommentOnCommitCreated, []string{"commentId"}},
		{CommentOnPullRequestCreated, []string{"repository", "cloneURL"}},
		{BuildStateChanged, []string{"buildId"}},
		{BuildStateChanged, []string{"project"}},
		{BuildStateChanged, []string{"status"}},
		{BuildPhaseChanged, []string{"buildId"}},
		{BuildPhaseChanged, []string{"phase"}},
		{BuildPhaseChanged, []string{"status"}},
		{PipelineExecutionStateChanged, []string{"pipeline"}},
		{PipelineExecutionStateChanged, []string{"executionId"}},
		{PipelineExecutionStateChanged, []string{"state"}},
		{PipelineStageStateChanged, []string{"stage"}},
		{PipelineActionStateChanged, []string{"action"}},
		{PipelineActionStateChanged, []string{"pipeline"}},
		{ReplicationCompleted, []string{"target"}},
		{ReplicationFailed, []string{"repository", "name"}},
		{NotificationSent, []string{"channel"}},
		{NotificationFailed, []string{"channel"}},
		{EngineInvocationFailed, []string{"eventId"}},
		{EngineInvocationFailed, []string{"reason"}},
		{EngineRuleDisabled, []string{"rule"}},
		{EngineRuleDisabled, []string{"reason"}},
	}
	for _, m := range missing {
		path := m.path
		typ := m.typ
		field := "data." + joinPath(path)
		tests = append(tests, struct {
			name  string
			event func(t *testing.T) Event
			field string
		}{typ[len(Namespace):] + " without " + field, func(t *testing.T) Event { return withData(t, typ, del(path...)) }, field})
	}
	// Values out of range.
	tests = append(tests, []struct {
		name  string
		event func(t *testing.T) Event
		field string
	}{
		{"referenceType neither branch nor tag", func(t *testing.T) Event {
			return withData(t, ReferenceCreated, set("note", "referenceType"))
		}, "data.referenceType"},
		{"reference without commits", func(t *testing.T) Event {
			return withData(t, ReferenceUpdated, func(m map[string]any) { m["commitId"] = ""; m["oldCommitId"] = "" })
		}, "data.commitId"},
		{"build status unknown", func(t *testing.T) Event {
			return withData(t, BuildStateChanged, set("DONE", "status"))
		}, "data.status"},
	}...)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.event(t))
			if err == nil {
				t.Fatal("Validate accepted the event")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FieldError", err, err)
			}
			if fe.Field != tt.field {
				t.Errorf("field %q, want %q (error: %v)", fe.Field, tt.field, err)
			}
		})
	}
}

func joinPath(p []string) string {
	s := p[0]
	for _, x := range p[1:] {
		s += "." + x
	}
	return s
}

func TestValidateAcceptsForeignTypes(t *testing.T) {
	for _, tt := range []struct {
		name string
		ct   string
		data []byte
	}{
		{"no data", "", nil},
		{"text data", "text/plain; charset=utf-8", []byte("hello")},
		{"JSON data", "application/json", []byte(`{"anything": [1, 2]}`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New("com.example.deploy.finished", "https://ci.example.com", nil, WithID("d1"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.ct != "" {
				e.SetDataContentType(tt.ct)
				e.DataEncoded = tt.data
			}
			if err := Validate(e); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	_, err := New(ReferenceCreated, "https://git.example.com/acme/app", &ReferenceData{})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "data.repository.name" {
		t.Fatalf("New with empty data: %v, want a FieldError for data.repository.name", err)
	}
	e, err := New(NotificationSent, "codebridge://functions/chat", &NotificationData{Channel: "slack"},
		WithID("n1"), WithSubject("7"))
	if err != nil {
		t.Fatal(err)
	}
	if e.ID() != "n1" || e.Subject() != "7" || e.Time().IsZero() || e.DataContentType() != "application/json" {
		t.Errorf("New did not apply its options and defaults: %v", e)
	}
	if _, err := New(NotificationSent, "x", json.RawMessage(`{"channel": 5}`)); err == nil {
		t.Error("New accepted data with a wrong field type")
	}
}

func TestKnownAndTypes(t *testing.T) {
	types := Types()
	if len(types) < 21 {
		t.Errorf("%d catalogue types, want at least the 21 of DESIGN.md", len(types))
	}
	for i, typ := range types {
		if !Known(typ) || NewData(typ) == nil {
			t.Errorf("%s listed but not known", typ)
		}
		if i > 0 && types[i-1] >= typ {
			t.Errorf("Types not sorted at %s", typ)
		}
	}
	if Known(Namespace+"nope") || NewData("com.example.x") != nil {
		t.Error("unknown type reported as known")
	}
	if !IsRepositoryEvent(PullRequestCreated) || IsRepositoryEvent(BuildStateChanged) {
		t.Error("IsRepositoryEvent wrong")
	}
}
