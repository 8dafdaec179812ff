package testwait_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codebridge/codebridge/internal/testwait"
)

func TestForReturnsOnceTheConditionHolds(t *testing.T) {
	var calls atomic.Int32
	testwait.For(t, 10*time.Second, "the third call", func() bool { return calls.Add(1) >= 3 })
	if got := calls.Load(); got != 3 {
		t.Errorf("cond called %d times, want 3: For must stop at the first true", got)
	}
}

func TestForSeesAnotherGoroutine(t *testing.T) {
	var done atomic.Bool
	go done.Store(true)
	testwait.For(t, 10*time.Second, "the goroutine", done.Load)
}

// TestForFailsTheTest runs a test that waits for what never happens in a
// child process, since a failing test cannot be observed from inside.
func TestForFailsTheTest(t *testing.T) {
	if os.Getenv("TESTWAIT_CHILD") == "1" {
		testwait.For(t, 30*time.Millisecond, "the impossible", func() bool { return false })
		fmt.Println("For returned") // not reached: Fatalf ends the test
		return
	}
	// -test.timeout turns a For that never gives up into a failure here
	// rather than a hung test run.
	cmd := exec.Command(os.Args[0], "-test.run=^TestForFailsTheTest$", "-test.count=1", "-test.timeout=20s")
	cmd.Env = append(os.Environ(), "TESTWAIT_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child test passed; want it to fail:\n%s", out)
	}
	if !strings.Contains(string(out), "timed out after 30ms waiting for the impossible") {
		t.Errorf("child output does not name the wait:\n%s", out)
	}
	if strings.Contains(string(out), "For returned") {
		t.Errorf("For returned after its deadline:\n%s", out)
	}
	if strings.Contains(string(out), "panic: test timed out") {
		t.Errorf("For kept waiting after its deadline:\n%s", out)
	}
}
