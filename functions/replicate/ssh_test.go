package replicate

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/internal/natstest"
)

// TestSSHKeyFile pushes to an ssh:// target. No sshd runs here, so "ssh"
// is a stand-in (the way git's own test suite does it) that records its
// arguments and runs the remote command, git-receive-pack, locally: the
// push itself is real, and the test sees exactly how ssh was called,
// including a key path that needs quoting.
func TestSSHKeyFile(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	rs, _ := conformanceSource(t)
	bin := t.TempDir()
	argsFile := filepath.Join(bin, "args")
	fake := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$@\" > %s\nfor last; do :; done\nexec sh -c \"$last\"\n", shellQuote(argsFile))
	if err := os.WriteFile(filepath.Join(bin, "ssh"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(t.TempDir(), "deploy key's file")
	if err := os.WriteFile(key, []byte("key material"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(rs.dir, "ssh-target.git")
	git(t, rs.dir, "init", "--quiet", "--bare", dst)

	c := Config{Targets: []Target{{URL: "ssh://mirror@eu.example.invalid" + dst, SSHKeyFile: key}}}
	f, _ := newTestFunction(t, "mirror", c, js)
	f.extraEnv = []string{"PATH=" + bin + ":" + os.Getenv("PATH")}
	res, err := invoke(t, f, invocation(refEvent(t, rs.src, "main", "abc")))
	if err != nil {
		t.Fatal(err)
	}
	if !sameRefs(t, refs(t, rs.src), dst) {
		t.Fatal("the ssh:// target differs from the source")
	}
	b, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, want := range [][]string{
		{"-o", "BatchMode=yes"}, {"-i", key}, {"-o", "IdentitiesOnly=yes"},
		{"-o", "StrictHostKeyChecking=accept-new"}, {"mirror@eu.example.invalid"},
	} {
		if i := slices.Index(args, want[0]); i < 0 || (len(want) == 2 && !hasPair(args, want[0], want[1])) {
			t.Errorf("ssh arguments %q lack %q", args, want)
		}
	}
	d := replicationData(t, res.Events[0])
	if d.Target != "ssh://eu.example.invalid"+dst {
		t.Errorf("event target %q", d.Target)
	}
}

func hasPair(args []string, a, b string) bool {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == a && args[i+1] == b {
			return true
		}
	}
	return false
}
