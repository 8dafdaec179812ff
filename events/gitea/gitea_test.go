package gitea

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/webhook"
	"github.com/codebridge/codebridge/events/webhook/webhooktest"
)

const dir = "../../testdata/webhooks/gitea"

// giteaHeader is what Gitea sends: the grouped event name, the precise type
// and the delivery UUID (services/webhook/deliver.go).
func giteaHeader(event, typ, delivery string) http.Header {
	h := http.Header{}
	h.Set(HeaderEvent, event)
	if typ != "" {
		h.Set(HeaderEventType, typ)
	}
	h.Set(HeaderDelivery, delivery)
	return h
}

// forgejoHeader is what Forgejo sends: its own names next to Gitea's.
func forgejoHeader(event, typ, delivery string) http.Header {
	h := giteaHeader(event, typ, delivery)
	h.Set(HeaderForgejoEvent, event)
	if typ != "" {
		h.Set(HeaderForgejoEventType, typ)
	}
	h.Set(HeaderForgejoDelivery, delivery)
	return h
}

// onlyForgejo carries no Gitea names and no -Type header (the fallback path).
func onlyForgejo(event, delivery string) http.Header {
	h := http.Header{}
	h.Set(HeaderForgejoEvent, event)
	h.Set(HeaderForgejoDelivery, delivery)
	return h
}

func TestGolden(t *testing.T) {
	webhooktest.Golden(t, dir, []webhooktest.Case{
		// The delivery id of Gitea's documented example.
		{Name: "push", Header: giteaHeader("push", "push", "f6266f16-1bf3-46a5-9ea4-602e06ead473"), Types: []string{events.ReferenceUpdated}},
		{Name: "push.tag-created", Header: forgejoHeader("push", "push", "3c5b9d1e-7a2f-4e8b-9c0d-1e2f3a4b5c6d"), Types: []string{events.ReferenceCreated}},
		{Name: "push.branch-deleted", Header: onlyForgejo("push", "4d6c0e2f-8b3a-4f9c-8d1e-2f3a4b5c6d7e"), Types: []string{events.ReferenceDeleted}},
		{Name: "pull_request.opened", Header: giteaHeader("pull_request", "pull_request", "5e7d1f3a-9c4b-4a0d-9e2f-3a4b5c6d7e8f"), Types: []string{events.PullRequestCreated}},
		{Name: "pull_request.opened-from-fork", Header: giteaHeader("pull_request", "pull_request", "6f8e2a4b-0d5c-4b1e-8f3a-4b5c6d7e8f90"), Types: []string{events.PullRequestCreated}},
		{Name: "pull_request.synchronized", Header: giteaHeader("pull_request", "pull_request_sync", "7a9f3b5c-1e6d-4c2f-9a4b-5c6d7e8f9001"), Types: []string{events.PullRequestSourceBranchUpdated}},
		{Name: "pull_request.closed", Header: giteaHeader("pull_request", "pull_request", "8b0a4c6d-2f7e-4d3a-8b5c-6d7e8f900112"), Types: []string{events.PullRequestStatusChanged}},
		{Name: "pull_request.closed-merged", Header: forgejoHeader("pull_request", "pull_request", "9c1b5d7e-3a8f-4e4b-9c6d-7e8f90011223"), Types: []string{events.PullRequestMergeStatusUpdated}},
		{Name: "pull_request_review_approved", Header: giteaHeader("pull_request_approved", "pull_request_review_approved", "ad2c6e8f-4b9a-4f5c-8d7e-8f9001122334"), Types: []string{events.PullRequestApprovalStateChanged}},
		{Name: "pull_request_review_rejected", Header: onlyForgejo("pull_request_rejected", "be3d7f90-5cab-4a6d-9e8f-900112233445"), Types: []string{events.PullRequestApprovalStateChanged}},
		{Name: "issue_comment.on-pull-request", Header: giteaHeader("issue_comment", "pull_request_comment", "cf4e8a01-6dbc-4b7e-8f90-011223344556"), Types: []string{events.CommentOnPullRequestCreated}},
		{Name: "issue_comment.created", Header: giteaHeader("issue_comment", "issue_comment", "d05f9b12-7ecd-4c8f-9001-122334455667"), Err: webhook.ErrIgnored},
	}, Parse)
}

// Gitea's documentation example signs with secret "123" in
// X-Gitea-Signature, bare hex.
func TestVerify(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(dir, "push.json"))
	if err != nil {
		t.Fatal(err)
	}
	good := Sign("123", body)
	tests := []struct {
		name    string
		headers map[string]string
		secrets []string
		ok      bool
	}{
		{"X-Gitea-Signature", map[string]string{HeaderSignature: good}, []string{"123"}, true},
		{"X-Forgejo-Signature", map[string]string{HeaderForgejoSignature: good}, []string{"123"}, true},
		{"both, one stale", map[string]string{HeaderForgejoSignature: Sign("old", body), HeaderSignature: good}, []string{"123"}, true},
		{"rotation", map[string]string{HeaderSignature: good}, []string{"456", "123"}, true},
		{"wrong secret", map[string]string{HeaderSignature: good}, []string{"456"}, false},
		{"sha256= prefix is not Gitea's form", map[string]string{HeaderSignature: "sha256=" + good}, []string{"123"}, false},
		{"GitHub header only", map[string]string{"X-Hub-Signature-256": "sha256=" + good}, []string{"123"}, false},
		{"no signature", nil, []string{"123"}, false},
		{"no secrets", map[string]string{HeaderSignature: good}, nil, false},
		{"empty secret", map[string]string{HeaderSignature: Sign("", body)}, []string{""}, false},
		{"not hex", map[string]string{HeaderSignature: strings.Repeat("g", 64)}, []string{"123"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			err := Verify(h, body, tt.secrets)
			if tt.ok != (err == nil) {
				t.Fatalf("Verify: %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, webhook.ErrUnauthorized) {
				t.Fatalf("error %v is not ErrUnauthorized", err)
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	evs, err := Parse(giteaHeader("push", "push", "d1"), webhooktest.Read(t, dir, "push"))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := events.DecodeData(evs[0])
	want := events.ReferenceData{
		Repository:        events.Repository{Name: "webhooks", FullName: "gitea/webhooks", CloneURL: "http://localhost:3000/gitea/webhooks.git", Provider: "gitea"},
		ReferenceFullName: "refs/heads/develop", ReferenceName: "develop", ReferenceType: "branch",
		CommitID: "bffeb74224043ba2feb48d137756c8a9331c449a", OldCommitID: "28e1879d029cb852e4844d9c718537df08844e03",
		Pusher: "gitea",
	}
	if got := *d.(*events.ReferenceData); got != want {
		t.Errorf("push data\n got %+v\nwant %+v", got, want)
	}
	if evs[0].Source() != "http://localhost:3000/gitea/webhooks" || evs[0].ID() != "d1" {
		t.Errorf("source %q id %q", evs[0].Source(), evs[0].ID())
	}
	if strings.Contains(string(evs[0].Data()), "3gEsCfjlV2ugRwgpU") {
		t.Error("the payload's deprecated secret field leaked into the event")
	}

	evs, err = Parse(giteaHeader("pull_request", "pull_request", "d2"), webhooktest.Read(t, dir, "pull_request.opened-from-fork"))
	if err != nil {
		t.Fatal(err)
	}
	d, _ = events.DecodeData(evs[0])
	if pd := d.(*events.PullRequestData); !pd.Fork || pd.SourceReference != "refs/heads/main" || pd.DestinationReference != "refs/heads/main" {
		t.Errorf("fork PR data %+v", pd)
	}
	evs, err = Parse(giteaHeader("pull_request", "pull_request", "d3"), webhooktest.Read(t, dir, "pull_request.opened"))
	if err != nil {
		t.Fatal(err)
	}
	d, _ = events.DecodeData(evs[0])
	if pd := d.(*events.PullRequestData); pd.Fork || pd.Author != "user1" || pd.PullRequestID != "12" || evs[0].Subject() != "12" {
		t.Errorf("PR data %+v subject %q", pd, evs[0].Subject())
	}
}

func TestParseRefuses(t *testing.T) {
	webhooktest.Refuses(t, Parse, []webhooktest.Refusal{
		{Name: "no event header", Header: http.Header{}, Body: `{}`, Want: webhook.ErrMalformed},
		{Name: "not JSON", Header: giteaHeader("push", "push", "d"), Body: `<xml/>`, Want: webhook.ErrMalformed},
		{Name: "pull_request without pull_request", Header: giteaHeader("pull_request", "pull_request", "d"), Body: `{"action":"opened"}`, Want: webhook.ErrMalformed},
		{Name: "review without pull_request", Header: giteaHeader("pull_request_approved", "pull_request_review_approved", "d"), Body: `{"action":"reviewed"}`, Want: webhook.ErrMalformed},
		{Name: "label update", Header: giteaHeader("pull_request", "pull_request_label", "d"), Body: `{"action":"label_updated"}`, Want: webhook.ErrIgnored},
		{Name: "assignment", Header: giteaHeader("pull_request", "pull_request", "d"), Body: `{"action":"assigned","pull_request":{}}`, Want: webhook.ErrIgnored},
		{Name: "review comment", Header: giteaHeader("pull_request_comment", "pull_request_review_comment", "d"), Body: `{}`, Want: webhook.ErrIgnored},
		{Name: "comment edited", Header: giteaHeader("issue_comment", "pull_request_comment", "d"), Body: `{"action":"edited","is_pull":true}`, Want: webhook.ErrIgnored},
		{Name: "release", Header: giteaHeader("release", "release", "d"), Body: `{}`, Want: webhook.ErrIgnored},
		{Name: "push without repository", Header: giteaHeader("push", "push", "d"), Body: `{"ref":"refs/heads/main","before":"a","after":"b"}`, Want: webhook.ErrMalformed},
	})
}
