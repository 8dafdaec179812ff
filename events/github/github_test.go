package github

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/webhook"
	"github.com/codebridge/codebridge/events/webhook/webhooktest"
)

const dir = "../../testdata/webhooks/github"

func header(event, delivery string) http.Header {
	h := http.Header{}
	h.Set(HeaderEvent, event)
	if delivery != "" {
		h.Set(HeaderDelivery, delivery)
	}
	return h
}

func TestGolden(t *testing.T) {
	webhooktest.Golden(t, dir, []webhooktest.Case{
		{Name: "push.update", Header: header("push", "9a1d3a80-1111-11ee-8f0a-0d2a4cf2e1a1"), Types: []string{events.ReferenceUpdated}},
		{Name: "push.branch-created", Header: header("push", "9a1d3a80-2222-11ee-8f0a-0d2a4cf2e1a1"), Types: []string{events.ReferenceCreated}},
		{Name: "push.tag-deleted", Header: header("push", "9a1d3a80-3333-11ee-8f0a-0d2a4cf2e1a1"), Types: []string{events.ReferenceDeleted}},
		{Name: "pull_request.opened", Header: header("pull_request", "c1a2b3d4-0001-11ee-9c6e-1f0c2d3e4f5a"), Types: []string{events.PullRequestCreated}},
		{Name: "pull_request.synchronize", Header: header("pull_request", "c1a2b3d4-0002-11ee-9c6e-1f0c2d3e4f5a"), Types: []string{events.PullRequestSourceBranchUpdated}},
		{Name: "pull_request.closed", Header: header("pull_request", "c1a2b3d4-0003-11ee-9c6e-1f0c2d3e4f5a"), Types: []string{events.PullRequestStatusChanged}},
		{Name: "pull_request.closed-merged", Header: header("pull_request", "c1a2b3d4-0004-11ee-9c6e-1f0c2d3e4f5a"), Types: []string{events.PullRequestMergeStatusUpdated}},
		{Name: "pull_request_review.submitted", Header: header("pull_request_review", "d0e1f2a3-0001-11ee-8b1c-2a3b4c5d6e7f"), Err: webhook.ErrIgnored},
		{Name: "pull_request_review.approved", Header: header("pull_request_review", "d0e1f2a3-0002-11ee-8b1c-2a3b4c5d6e7f"), Types: []string{events.PullRequestApprovalStateChanged}},
		{Name: "pull_request_review.changes-requested", Header: header("pull_request_review", "d0e1f2a3-0003-11ee-8b1c-2a3b4c5d6e7f"), Types: []string{events.PullRequestApprovalStateChanged}},
		{Name: "issue_comment.created", Header: header("issue_comment", "e5f6a7b8-0001-11ee-9d2e-3b4c5d6e7f80"), Err: webhook.ErrIgnored},
		{Name: "issue_comment.on-pull-request", Header: header("issue_comment", "e5f6a7b8-0002-11ee-9d2e-3b4c5d6e7f80"), Types: []string{events.CommentOnPullRequestCreated}},
		{Name: "commit_comment.created", Header: header("commit_comment", "f7a8b9c0-0001-11ee-8e3f-4c5d6e7f8091"), Types: []string{events.CommentOnCommitCreated}},
		{Name: "ping", Header: header("ping", "a0b1c2d3-0001-11ee-8f40-5d6e7f809102"), Err: webhook.ErrPing},
	}, Parse)
}

// GitHub's published example for validating deliveries: secret "It's a
// Secret to Everybody", payload "Hello, World!".
func TestVerifyGitHubTestVector(t *testing.T) {
	const (
		secret = "It's a Secret to Everybody"
		body   = "Hello, World!"
		want   = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	)
	if got := Sign(secret, []byte(body)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	h := http.Header{}
	h.Set(HeaderSignature, want)
	if err := Verify(h, []byte(body), []string{secret}); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"zen":"Keep it logically awesome."}`)
	good := Sign("new-secret", body)
	tests := []struct {
		name    string
		headers map[string]string
		body    []byte
		secrets []string
		ok      bool
	}{
		{"current secret", map[string]string{HeaderSignature: good}, body, []string{"new-secret"}, true},
		{"rotation: old and new secret", map[string]string{HeaderSignature: good}, body, []string{"old-secret", "new-secret"}, true},
		{"upper-case hex", map[string]string{HeaderSignature: "sha256=" + upper(good[7:])}, body, []string{"new-secret"}, true},
		{"wrong secret", map[string]string{HeaderSignature: good}, body, []string{"old-secret"}, false},
		{"body changed", map[string]string{HeaderSignature: good}, append([]byte(" "), body...), []string{"new-secret"}, false},
		{"no secrets configured", map[string]string{HeaderSignature: good}, body, nil, false},
		{"empty secret is not a secret", map[string]string{HeaderSignature: Sign("", body)}, body, []string{""}, false},
		{"no signature", nil, body, []string{"new-secret"}, false},
		{"SHA-1 only", map[string]string{"X-Hub-Signature": "sha1=0123456789abcdef0123456789abcdef01234567"}, body, []string{"new-secret"}, false},
		{"no sha256= prefix", map[string]string{HeaderSignature: good[7:]}, body, []string{"new-secret"}, false},
		{"sha1= prefix in the sha256 header", map[string]string{HeaderSignature: "sha1=" + good[7:]}, body, []string{"new-secret"}, false},
		{"not hex", map[string]string{HeaderSignature: "sha256=zz" + good[9:]}, body, []string{"new-secret"}, false},
		{"truncated", map[string]string{HeaderSignature: good[:len(good)-2]}, body, []string{"new-secret"}, false},
		{"empty value", map[string]string{HeaderSignature: "sha256="}, body, []string{"new-secret"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			err := Verify(h, tt.body, tt.secrets)
			if tt.ok && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !tt.ok {
				if !errors.Is(err, webhook.ErrUnauthorized) {
					t.Fatalf("Verify: %v, want ErrUnauthorized", err)
				}
				for _, s := range tt.secrets {
					if s != "" && strings.Contains(err.Error(), s) {
						t.Errorf("error %q reveals the secret", err)
					}
				}
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestParseDetails(t *testing.T) {
	t.Run("push fields", func(t *testing.T) {
		evs, err := Parse(header("push", "d1"), webhooktest.Read(t, dir, "push.update"))
		if err != nil {
			t.Fatal(err)
		}
		e := evs[0]
		if e.ID() != "d1" || e.Source() != "https://github.com/baxterthehacker/public-repo" || e.Subject() != "refs/heads/gh-pages" {
			t.Errorf("attributes: %v", e)
		}
		d, _ := events.DecodeData(e)
		rd := d.(*events.ReferenceData)
		want := events.ReferenceData{
			Repository:        events.Repository{Name: "public-repo", FullName: "baxterthehacker/public-repo", CloneURL: "https://github.com/baxterthehacker/public-repo.git", Provider: "github"},
			ReferenceFullName: "refs/heads/gh-pages", ReferenceName: "gh-pages", ReferenceType: "branch",
			CommitID: "4d2ab4e76d0d405d17d1a0f2b8a6071394e3ab40", OldCommitID: "993b46bdfc03ae59434816829162829e67c4d490",
			Pusher: "baxterthehacker",
		}
		if *rd != want {
			t.Errorf("data\n got %+v\nwant %+v", *rd, want)
		}
		if got := e.Time().UTC().Format("2006-01-02T15:04:05Z"); got != "2014-07-25T16:37:42Z" {
			t.Errorf("time %s, want repository.pushed_at", got)
		}
	})
	t.Run("tag deleted", func(t *testing.T) {
		evs, err := Parse(header("push", "d2"), webhooktest.Read(t, dir, "push.tag-deleted"))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := events.DecodeData(evs[0])
		rd := d.(*events.ReferenceData)
		if rd.ReferenceType != "tag" || rd.ReferenceName != "simple-tag" || rd.CommitID != "" || rd.OldCommitID != "6113728f27ae82c7b1a177c8d03f9e96e0adf246" {
			t.Errorf("data %+v", rd)
		}
	})
	t.Run("forced push", func(t *testing.T) {
		body := []byte(`{"ref":"refs/heads/main","before":"1111111111111111111111111111111111111111","after":"2222222222222222222222222222222222222222","forced":true,
			"repository":{"name":"r","full_name":"o/r","html_url":"https://github.com/o/r","clone_url":"https://github.com/o/r.git"},"pusher":{"name":"o"}}`)
		evs, err := Parse(header("push", "d3"), body)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := events.DecodeData(evs[0])
		if !d.(*events.ReferenceData).Forced {
			t.Error("forced flag lost")
		}
		if !evs[0].Time().IsZero() {
			t.Error("time set although the payload has none")
		}
	})
	t.Run("pull request from a fork", func(t *testing.T) {
		body := []byte(`{"action":"opened","number":9,"pull_request":{"number":9,"state":"open","title":"t",
			"head":{"ref":"patch-1","sha":"aaaa","repo":{"full_name":"mallory/r"}},
			"base":{"ref":"main","sha":"bbbb","repo":{"full_name":"o/r"}}},
			"repository":{"name":"r","full_name":"o/r","html_url":"https://github.com/o/r","clone_url":"https://github.com/o/r.git"}}`)
		evs, err := Parse(header("pull_request", "d4"), body)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := events.DecodeData(evs[0])
		pd := d.(*events.PullRequestData)
		if !pd.Fork || pd.SourceReference != "refs/heads/patch-1" || pd.PullRequestID != "9" || evs[0].Subject() != "9" {
			t.Errorf("data %+v subject %q", pd, evs[0].Subject())
		}
	})
	t.Run("untrusted text stays data", func(t *testing.T) {
		evs, err := Parse(header("issue_comment", "d5"), webhooktest.Read(t, dir, "issue_comment.on-pull-request"))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := events.DecodeData(evs[0])
		if got := d.(*events.CommentData).Body; got != "/retest please; `rm -rf /` $(whoami) {{ .Secrets }}" {
			t.Errorf("body %q", got)
		}
	})
	t.Run("no delivery header: id from the body", func(t *testing.T) {
		a, err := Parse(header("push", ""), webhooktest.Read(t, dir, "push.update"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Parse(header("push", ""), webhooktest.Read(t, dir, "push.update"))
		c, _ := Parse(header("push", ""), webhooktest.Read(t, dir, "push.branch-created"))
		if a[0].ID() != b[0].ID() || a[0].ID() == c[0].ID() || a[0].ID() == "" {
			t.Errorf("ids %q %q %q", a[0].ID(), b[0].ID(), c[0].ID())
		}
	})
}

func TestParseRefuses(t *testing.T) {
	webhooktest.Refuses(t, Parse, []webhooktest.Refusal{
		{Name: "no event header", Header: header("", "d"), Body: `{}`, Want: webhook.ErrMalformed},
		{Name: "not JSON", Header: header("push", "d"), Body: `ref=refs/heads/main`, Want: webhook.ErrMalformed},
		{Name: "wrong field type", Header: header("pull_request", "d"), Body: `{"action":"opened","number":"two"}`, Want: webhook.ErrMalformed},
		{Name: "push without repository", Header: header("push", "d"), Body: `{"ref":"refs/heads/main","before":"1","after":"2"}`, Want: webhook.ErrMalformed},
		{Name: "push to a note ref", Header: header("push", "d"), Body: `{"ref":"refs/notes/commits","before":"1","after":"2","repository":{"name":"r","html_url":"https://github.com/o/r","clone_url":"https://github.com/o/r.git"}}`, Want: webhook.ErrIgnored},
		{Name: "pull request without head sha", Header: header("pull_request", "d"), Body: `{"action":"opened","number":1,"pull_request":{"head":{"ref":"x"},"base":{"ref":"main"}},"repository":{"name":"r","html_url":"https://github.com/o/r","clone_url":"https://github.com/o/r.git"}}`, Want: webhook.ErrMalformed},
		{Name: "pull request labeled", Header: header("pull_request", "d"), Body: `{"action":"labeled"}`, Want: webhook.ErrIgnored},
		{Name: "review dismissed", Header: header("pull_request_review", "d"), Body: `{"action":"dismissed"}`, Want: webhook.ErrIgnored},
		{Name: "comment edited", Header: header("issue_comment", "d"), Body: `{"action":"edited","issue":{"number":1,"pull_request":{}}}`, Want: webhook.ErrIgnored},
		{Name: "star", Header: header("star", "d"), Body: `{}`, Want: webhook.ErrIgnored},
	})
	// A missing field is named.
	_, err := Parse(header("pull_request", "d"), []byte(`{"action":"opened","number":1,"pull_request":{"head":{"ref":"x"},"base":{"ref":"main"}},"repository":{"name":"r","html_url":"https://github.com/o/r","clone_url":"https://github.com/o/r.git"}}`))
	var fe *events.FieldError
	if !errors.As(err, &fe) || fe.Field != "data.sourceCommit" {
		t.Errorf("error %v does not name data.sourceCommit", err)
	}
}
