package prcomment_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/prcomment"
)

// A commit status on a Gitea server: the invocation's input names the
// repository, the commit and the status; the result is one
// notification.sent event.
func Example() {
	// A stand-in for Gitea's POST /api/v1/repos/{owner}/{repo}/statuses/{sha}.
	gitea := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		_ = json.NewDecoder(r.Body).Decode(&in)
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		fmt.Println(r.Method, r.URL.Path, scheme, in["state"], in["context"])
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": 1, "status": in["state"], "context": in["context"],
			"url": "https://gitea.example/api/v1/repos/octo/app/statuses/6dcb09b"})
	}))
	defer gitea.Close()

	fn, err := prcomment.New("forge", prcomment.Config{Provider: "gitea", BaseURL: gitea.URL, Token: "s3cret"}, functions.Deps{})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := fn.Invoke(context.Background(), functions.Invocation{
		ID:    "inv-1",
		Rule:  "ci-status",
		Input: []byte(`{"repository": "octo/app", "commit": "6dcb09b", "status": {"state": "success", "description": "all tests passed"}}`),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range res.Events {
		var d events.NotificationData
		_ = json.Unmarshal(e.Data(), &d)
		fmt.Println(strings.TrimPrefix(e.Type(), events.Namespace), d.Channel, d.Target, d.URL)
	}
	// Output:
	// POST /api/v1/repos/octo/app/statuses/6dcb09b token success codebridge/ci-status
	// notification.sent gitea octo/app@6dcb09b https://gitea.example/api/v1/repos/octo/app/statuses/6dcb09b
}
