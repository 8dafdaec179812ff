package exec_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/functions/functionstest"
)

func TestConformance(t *testing.T) {
	target := func(t *testing.T, name string, extra ...string) functionstest.Target {
		fn, _ := build(t, scriptConfig(t, name, extra...))
		return functionstest.Target{Function: fn}
	}
	functionstest.Run(t, functionstest.Harness{
		Succeeding: func(t *testing.T) functionstest.Target {
			deliveries := filepath.Join(t.TempDir(), "deliveries")
			tg := target(t, "ok.sh", fmt.Sprintf("env: {DELIVERIES: %q}", deliveries))
			tg.Deliveries = func() []string {
				b, _ := os.ReadFile(deliveries)
				return strings.Fields(string(b))
			}
			return tg
		},
		Retryable: func(t *testing.T) functionstest.Target {
			return target(t, "fail.sh", "env: {FAIL_CODE: '1'}")
		},
		Permanent: func(t *testing.T) functionstest.Target {
			return target(t, "fail.sh", "env: {FAIL_CODE: '3'}")
		},
		Blocking: func(t *testing.T) functionstest.Target {
			started := filepath.Join(t.TempDir(), "started")
			tg := target(t, "block.sh", fmt.Sprintf("env: {STARTED: %q}", started))
			tg.Started = func() bool { _, err := os.Stat(started); return err == nil }
			return tg
		},
		Emitting: func(t *testing.T) functionstest.Target {
			return target(t, "emit.sh")
		},
	})
}
