package prcomment_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/functionstest"
	"github.com/codebridge/codebridge/functions/prcomment"
)

// onPullRequest adapts the suite's invocations to prcomment: the suite's
// sample event is not about a pull request, so the triggering event becomes
// octo/app#42's pullRequestCreated, and an input that is the event itself
// (no input expression) becomes a comment. Inputs of the rule's own (the
// suite's {"body": ..., "context": ...}) pass unchanged.
func onPullRequest(t *testing.T, fn functions.Function) functions.Function {
	ev := prEvent(t)
	return functions.Func(func(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
		if bytes.Contains(inv.Input, []byte(`"specversion"`)) {
			inv.Input = []byte(`{"comment": "conformance"}`)
		}
		inv.Event = ev
		return fn.Invoke(ctx, inv)
	})
}

func TestConformance(t *testing.T) {
	github := func(t *testing.T, faults ...fault) functionstest.Target {
		f := newFakeGitHub(t)
		for _, ft := range faults {
			f.rec.fail(ft)
		}
		return functionstest.Target{Function: onPullRequest(t, githubCommenter(t, f))}
	}
	functionstest.Run(t, functionstest.Harness{
		Succeeding: func(t *testing.T) functionstest.Target { return github(t) },
		Emitting:   func(t *testing.T) functionstest.Target { return github(t) },
		Retryable: func(t *testing.T) functionstest.Target {
			return github(t, fault{method: "GET", pathSuffix: "/comments", status: 502, body: "<html>bad gateway</html>"})
		},
		Permanent: func(t *testing.T) functionstest.Target {
			f := newFakeGitHub(t)
			c := newCommenter(t, prcomment.Config{Provider: "github", Token: "ghp_revoked", BaseURL: f.srv.URL})
			return functionstest.Target{Function: onPullRequest(t, c)}
		},
		RetryAfter: func(t *testing.T) (functionstest.Target, time.Duration) {
			return github(t, fault{method: "GET", pathSuffix: "/comments", status: 429, header: map[string]string{"Retry-After": "9"}, body: `{"message": "slow down"}`}), 9 * time.Second
		},
		Blocking: func(t *testing.T) functionstest.Target {
			var started atomic.Bool
			release := make(chan struct{})
			var once sync.Once
			srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				started.Store(true)
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}))
			t.Cleanup(srv.Close)
			// Registered after the server's Close, so it runs first.
			t.Cleanup(func() { once.Do(func() { close(release) }) })
			c := newCommenter(t, prcomment.Config{Provider: "gitea", Token: gtToken, BaseURL: srv.URL})
			return functionstest.Target{Function: onPullRequest(t, c), Started: started.Load}
		},
	})
}

// Two deliveries of one invocation at the same time post one comment.
func TestConcurrentRedeliveryPostsOnce(t *testing.T) {
	f := newFakeGitea(t)
	f.seed(ghPR, 20, otherComment)
	c := giteaCommenter(t, f)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for attempt := 1; attempt <= 4; attempt++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Invoke(context.Background(), invocation(t, "inv-dup", attempt, `{"comment": "once"}`))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.issueComments(ghPR)); n != 21 {
		t.Fatalf("%d comments, want 21: concurrent deliveries posted twice", n)
	}
}
