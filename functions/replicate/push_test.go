package replicate

import (
	"slices"
	"testing"
)

func TestParsePush(t *testing.T) {
	// Output of git 2.39 `git push --porcelain --prune --progress`.
	stdout := "To file:///tmp/dst.git\n" +
		"=\trefs/tags/v1:refs/tags/v1\t[up to date]\n" +
		"-\t:refs/heads/dev\t[deleted]\n" +
		"+\trefs/heads/main:refs/heads/main\t25bcdd6...107fb57 (forced update)\n" +
		" \trefs/heads/next:refs/heads/next\t1111111..2222222\n" +
		"*\trefs/tags/v2:refs/tags/v2\t[new tag]\n" +
		"!\trefs/heads/locked:refs/heads/locked\t[remote rejected] (pre-receive hook declined)\n" +
		"Done\n"
	stderr := []string{
		"Enumerating objects: 5, done.",
		"Writing objects:  50% (1/2)",
		"Writing objects: 100% (2/2), 1.50 KiB | 15.00 KiB/s, done.",
		"Total 2 (delta 0), reused 0 (delta 0), pack-reused 0",
	}
	refs, objects, bytes := parsePush(stdout, stderr)
	want := []string{"refs/heads/dev", "refs/heads/main", "refs/heads/next", "refs/tags/v2"}
	if !slices.Equal(refs, want) || objects != 2 || bytes != 1536 {
		t.Errorf("parsePush = %v, %d, %d; want %v, 2, 1536", refs, objects, bytes, want)
	}
	if got := rejected(stdout); got != "refs/heads/locked [remote rejected] (pre-receive hook declined)" {
		t.Errorf("rejected = %q", got)
	}
	if refs, objects, bytes := parsePush("Everything up-to-date\n", nil); refs != nil || objects != 0 || bytes != 0 {
		t.Errorf("no-op push parsed as %v %d %d", refs, objects, bytes)
	}
}

func TestLineWriterSplitsProgress(t *testing.T) {
	var progress []string
	w := &lineWriter{mask: newMasker([]string{"tok"}), progress: func(l string) { progress = append(progress, l) }}
	_, _ = w.Write([]byte("Counting objects:  50% (1/2)\rCounting objects: 100% (2/2), done.\nremote: tok rejected\nfatal: could not read from https://u:tok@h/x"))
	w.flush()
	if len(progress) != 2 {
		t.Errorf("progress lines %q", progress)
	}
	if last := w.lines[len(w.lines)-1]; last != "fatal: could not read from https://h/x" {
		t.Errorf("last line %q", last)
	}
	if got := lastLines(w.lines, 2); got != "remote: *** rejected; fatal: could not read from https://h/x" {
		t.Errorf("lastLines = %q", got)
	}
}

func FuzzParsePush(f *testing.F) {
	f.Add("*\trefs/heads/a:refs/heads/a\t[new branch]\n", "Writing objects: 100% (3/3), 245 bytes | 1 KiB/s, done.")
	f.Fuzz(func(t *testing.T, stdout, line string) {
		refs, objects, bytes := parsePush(stdout, []string{line})
		if objects < 0 || bytes < 0 {
			t.Fatalf("negative figures %d %d", objects, bytes)
		}
		for _, r := range refs {
			if r == "" {
				t.Fatal("empty ref")
			}
		}
	})
}
