package gitea_test

import (
	"fmt"
	"net/http"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/gitea"
)

// Verify, then Parse: a Forgejo review rejection becomes a
// pullRequestApprovalStateChanged event with approvalState REVOKE.
func Example() {
	body := []byte(`{"action":"reviewed","number":12,
		"pull_request":{"number":12,"title":"Fix bug","state":"open",
			"head":{"ref":"fix-bug","sha":"2020558fe2e34debb818a514715839cabd25e778","repo_id":10},
			"base":{"ref":"main","sha":"2020558fe2e34debb818a514715839cabd25e777","repo_id":10},
			"updated_at":"2024-03-04T11:35:00Z"},
		"repository":{"name":"repo","full_name":"test/repo","html_url":"https://forgejo.example/test/repo","clone_url":"https://forgejo.example/test/repo.git"},
		"sender":{"login":"user2"},
		"review":{"type":"pull_request_review_rejected","content":"please add a test"}}`)
	h := http.Header{}
	h.Set(gitea.HeaderForgejoEvent, "pull_request_rejected")
	h.Set(gitea.HeaderForgejoEventType, "pull_request_review_rejected")
	h.Set(gitea.HeaderForgejoDelivery, "be3d7f90-5cab-4a6d-9e8f-900112233445")
	h.Set(gitea.HeaderForgejoSignature, gitea.Sign("s3cret", body))

	if err := gitea.Verify(h, body, []string{"s3cret"}); err != nil {
		fmt.Println(err)
		return
	}
	evs, err := gitea.Parse(h, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	e := evs[0]
	fmt.Println(e.Type())
	fmt.Println(e.Source(), e.Subject())
	d, _ := events.DecodeData(e)
	pr := d.(*events.PullRequestData)
	fmt.Println(pr.ApprovalState, pr.Reviewer, pr.SourceReference, pr.Fork)
	// Output:
	// dev.codebridge.repository.pullRequestApprovalStateChanged
	// https://forgejo.example/test/repo 12
	// REVOKE user2 refs/heads/fix-bug false
}
