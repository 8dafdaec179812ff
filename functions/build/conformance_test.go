package build

import (
	"sync/atomic"
	"testing"

	"github.com/codebridge/codebridge/functions/functionstest"
)

// TestConformance runs the shared function suite. Its events are not
// repository events, so the function builds its configured repository.
func TestConformance(t *testing.T) {
	target := func(spec string, cfg func(dir string) string) func(t *testing.T) functionstest.Target {
		return func(t *testing.T) functionstest.Target {
			r := newRepo(t)
			r.commit("c", map[string]string{"buildspec.yml": spec})
			f := newFunction(t, startEnv(t), cfg(r.dir))
			var started atomic.Bool
			f.onCommand = func(string, string, int) { started.Store(true) }
			return functionstest.Target{Function: f, Started: started.Load}
		}
	}
	ok := "version: 0.2\nphases:\n  build:\n    commands: ['echo ok']\n"
	configured := func(dir string) string { return "repository: " + dir }
	functionstest.Run(t, functionstest.Harness{
		Succeeding: target(ok, configured),
		Emitting:   target(ok, configured),
		Retryable:  target(ok, func(string) string { return "repository: /nonexistent/repo.git" }),
		Permanent:  target(ok, func(string) string { return "" }),
		Blocking:   target("version: 0.2\nphases:\n  build:\n    commands: ['sleep 300']\n", configured),
	})
}
