package webhook

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/codebridge/codebridge/events"
)

func TestSignSHA256GitHubVector(t *testing.T) {
	// GitHub's documented example: secret "It's a Secret to Everybody",
	// payload "Hello, World!".
	got := SignSHA256("It's a Secret to Everybody", []byte("Hello, World!"))
	if want := "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"; got != want {
		t.Fatalf("SignSHA256 = %s, want %s", got, want)
	}
}

func TestVerifySHA256(t *testing.T) {
	body := []byte("payload")
	sig := SignSHA256("k2", body)
	for _, tt := range []struct {
		name    string
		sig     string
		secrets []string
		ok      bool
	}{
		{"match", sig, []string{"k2"}, true},
		{"second of two", sig, []string{"k1", "k2"}, true},
		{"first of two", sig, []string{"k2", "k1"}, true},
		{"upper case", strings.ToUpper(sig), []string{"k2"}, true},
		{"no match", sig, []string{"k1"}, false},
		{"empty secrets skipped", SignSHA256("", body), []string{"", ""}, false},
		{"no secrets", sig, nil, false},
		{"no signature", "", []string{"k2"}, false},
		{"short", sig[:40], []string{"k2"}, false},
		{"long", sig + "00", []string{"k2"}, false},
		{"odd length", sig[:63], []string{"k2"}, false},
		{"not hex", "x" + sig[1:], []string{"k2"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySHA256(body, tt.sig, tt.secrets)
			if tt.ok != (err == nil) {
				t.Fatalf("VerifySHA256: %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("%v is not ErrUnauthorized", err)
			}
		})
	}
}

func TestVerifyToken(t *testing.T) {
	for _, tt := range []struct {
		token   string
		secrets []string
		ok      bool
	}{
		{"t", []string{"t"}, true},
		{"t", []string{"x", "t"}, true},
		{"t", []string{"tt"}, false},
		{"tt", []string{"t"}, false},
		{"", []string{""}, false},
		{"t", nil, false},
	} {
		err := VerifyToken(tt.token, tt.secrets)
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrUnauthorized)) {
			t.Errorf("VerifyToken(%q, %q) = %v, want ok=%v", tt.token, tt.secrets, err, tt.ok)
		}
	}
}

func TestIDs(t *testing.T) {
	if DeliveryID("abc", []byte("x")) != "abc" {
		t.Error("delivery header not used")
	}
	a, b := DeliveryID("", []byte("x")), DeliveryID("", []byte("y"))
	if a == b || a != DeliveryID("", []byte("x")) || !strings.HasPrefix(a, "sha256-") {
		t.Errorf("body ids %q %q", a, b)
	}
	if EventID("d", 0, 1) != "d" || EventID("d", 0, 2) != "d-0" || EventID("d", 1, 2) != "d-1" {
		t.Error("EventID")
	}
}

func TestRefs(t *testing.T) {
	for _, tt := range []struct {
		ref, kind, name string
		ok              bool
	}{
		{"refs/heads/main", "branch", "main", true},
		{"refs/heads/feature/x", "branch", "feature/x", true},
		{"refs/tags/v1.0", "tag", "v1.0", true},
		{"refs/heads/", "", "", false},
		{"refs/notes/commits", "", "", false},
		{"refs/pull/1/head", "", "", false},
		{"main", "", "", false},
	} {
		kind, name, ok := SplitRef(tt.ref)
		if kind != tt.kind || name != tt.name || ok != tt.ok {
			t.Errorf("SplitRef(%q) = %q %q %v", tt.ref, kind, name, ok)
		}
	}
	if BranchRef("main") != "refs/heads/main" || BranchRef("refs/heads/x") != "refs/heads/x" || BranchRef("") != "" {
		t.Error("BranchRef")
	}
	for s, want := range map[string]bool{
		"0000000000000000000000000000000000000000":                         true,
		"0000000000000000000000000000000000000000000000000000000000000000": true,
		"": false, "0000000000000000000000000000000000000001": false,
	} {
		if IsZeroSHA(s) != want {
			t.Errorf("IsZeroSHA(%q) != %v", s, want)
		}
	}
}

func TestAddPush(t *testing.T) {
	const zero = "0000000000000000000000000000000000000000"
	repo := events.Repository{Name: "r", FullName: "o/r", CloneURL: "https://h/o/r.git", Provider: "git"}
	for _, tt := range []struct {
		name, before, after, typ, commit, old string
	}{
		{"created", zero, "bbb", events.ReferenceCreated, "bbb", ""},
		{"deleted", "aaa", zero, events.ReferenceDeleted, "", "aaa"},
		{"updated", "aaa", "bbb", events.ReferenceUpdated, "bbb", "aaa"},
		{"created, empty before", "", "bbb", events.ReferenceCreated, "bbb", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBatch("d")
			if err := b.AddPush(Push{Repository: repo, Source: "https://h/o/r", Ref: "refs/tags/v1", Before: tt.before, After: tt.after, Pusher: "p"}); err != nil {
				t.Fatal(err)
			}
			evs, err := b.Events()
			if err != nil {
				t.Fatal(err)
			}
			d, _ := events.DecodeData(evs[0])
			rd := d.(*events.ReferenceData)
			if evs[0].Type() != tt.typ || rd.CommitID != tt.commit || rd.OldCommitID != tt.old || rd.ReferenceType != "tag" {
				t.Errorf("%s %+v", evs[0].Type(), rd)
			}
		})
	}
	if err := NewBatch("d").AddPush(Push{Ref: "refs/notes/x"}); !errors.Is(err, ErrIgnored) {
		t.Errorf("note ref: %v", err)
	}
	if err := NewBatch("d").AddPush(Push{Repository: repo, Source: "https://h/o/r", Ref: "refs/heads/x", Before: zero, After: zero}); !errors.Is(err, ErrMalformed) {
		t.Errorf("zero before and after: %v", err)
	}
	// A field missing from the payload is named.
	b := NewBatch("d")
	_ = b.AddPush(Push{Repository: events.Repository{Name: "r"}, Source: "https://h/o/r", Ref: "refs/heads/x", Before: zero, After: "b"})
	_, err := b.Events()
	var fe *events.FieldError
	if !errors.Is(err, ErrMalformed) || !errors.As(err, &fe) || fe.Field != "data.repository.cloneURL" {
		t.Errorf("no clone URL: %v", err)
	}
}

func TestBatchSeveralEvents(t *testing.T) {
	b := NewBatch("delivery")
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, ch := range []string{"slack", "email"} {
		b.Add(events.NotificationSent, "urn:x", "", at, &events.NotificationData{Channel: ch})
	}
	evs, err := b.Events()
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].ID() != "delivery-0" || evs[1].ID() != "delivery-1" || !evs[1].Time().Equal(at) || evs[0].Subject() != "" {
		t.Errorf("events %v", evs)
	}
	if evs, err := NewBatch("x").Events(); err != nil || len(evs) != 0 {
		t.Errorf("empty batch: %v %v", evs, err)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2015, 5, 17, 18, 8, 9, 0, time.UTC)
	for _, s := range []string{"2015-05-17T18:08:09Z", "2015-05-17T20:08:09+02:00", "2015-05-17 18:08:09 UTC", "2015-05-17 20:08:09 +0200"} {
		if got := ParseTime(s); !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v", s, got)
		}
	}
	for _, s := range []string{"", "yesterday", "2015-04-08T21: 00:25-07:00"} {
		if got := ParseTime(s); !got.IsZero() {
			t.Errorf("ParseTime(%q) = %v, want zero", s, got)
		}
	}
	for raw, w := range map[string]time.Time{
		`1557933657`:             time.Unix(1557933657, 0).UTC(),
		`"2019-05-15T15:20:57Z"`: time.Date(2019, 5, 15, 15, 20, 57, 0, time.UTC),
		`null`:                   {},
		`-5`:                     {},
		`1e30`:                   {},
		`{}`:                     {},
	} {
		if got := ParseTimeJSON(json.RawMessage(raw)); !got.Equal(w) {
			t.Errorf("ParseTimeJSON(%s) = %v, want %v", raw, got, w)
		}
	}
}

func TestDecode(t *testing.T) {
	var v struct {
		N int `json:"n"`
	}
	if err := Decode("GitHub", []byte(`{"n":2}`), &v); err != nil || v.N != 2 {
		t.Fatalf("Decode = %v, n=%d", err, v.N)
	}
	for _, body := range []string{`[`, `{"n":"two"}`, `<xml/>`} {
		err := Decode("GitLab", []byte(body), &v)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "GitLab payload: ") {
			t.Errorf("Decode(%s) = %v, want ErrMalformed naming GitLab", body, err)
		}
	}
}
