package gitlab_test

import (
	"fmt"
	"net/http"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/gitlab"
)

// A merge request that gets new commits (action "update" with oldrev)
// becomes pullRequestSourceBranchUpdated.
func Example() {
	body := []byte(`{"object_kind":"merge_request","user":{"username":"jsmith"},
		"project":{"name":"Backend","web_url":"https://gitlab.example.com/acme/backend",
			"git_http_url":"https://gitlab.example.com/acme/backend.git","path_with_namespace":"acme/backend"},
		"object_attributes":{"iid":42,"title":"Cache the tokens","state":"opened","action":"update",
			"oldrev":"95790bf891e76fee5e1747ab589903a6a1f80f22","source_branch":"cache","target_branch":"main",
			"source_project_id":7,"target_project_id":7,"updated_at":"2024-05-02 10:11:12 UTC",
			"last_commit":{"id":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7"}}}`)
	h := http.Header{}
	h.Set(gitlab.HeaderEvent, "Merge Request Hook")
	h.Set(gitlab.HeaderIdempotencyKey, "6f1b6a4e-8c2d-4f1a-9b3e-2d4c6e8f0a1b")
	h.Set(gitlab.HeaderToken, "glpat-not-a-real-token")

	if err := gitlab.Verify(h, body, []string{"glpat-not-a-real-token"}); err != nil {
		fmt.Println(err)
		return
	}
	evs, err := gitlab.Parse(h, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	e := evs[0]
	d, _ := events.DecodeData(e)
	pr := d.(*events.PullRequestData)
	fmt.Println(e.Type())
	fmt.Println(e.ID(), e.Subject(), e.Time().Format("2006-01-02T15:04:05Z07:00"))
	fmt.Println(pr.Repository.FullName, pr.SourceReference, pr.SourceCommit[:7], pr.Fork)
	// Output:
	// dev.codebridge.repository.pullRequestSourceBranchUpdated
	// 6f1b6a4e-8c2d-4f1a-9b3e-2d4c6e8f0a1b 42 2024-05-02T10:11:12Z
	// acme/backend refs/heads/cache da15608 false
}
