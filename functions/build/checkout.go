package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// mirrors keeps one bare mirror per repository under dir, so a build fetches
// only what is new and clones the workspace locally.
type mirrors struct {
	dir   string
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

func newMirrors(dir string) *mirrors {
	return &mirrors{dir: dir, locks: map[string]*sync.Mutex{}}
}

// gitEnv keeps git from prompting, from reading the user's config and from
// using transports that run programs (ext::).
func gitEnv() []string {
	return append(baseEnv(),
		"GIT_TERMINAL_PROMPT=0",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_ALLOW_PROTOCOL=file:git:http:https:ssh",
		"GIT_CONFIG_GLOBAL=/dev/null",
	)
}

// git runs git with args (never through a shell) and returns its output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if len(msg) > 500 {
			msg = msg[:500] + "..."
		}
		return "", fmt.Errorf("git %s: %w: %s", args[0], err, msg)
	}
	return strings.TrimSpace(out.String()), nil
}

func (m *mirrors) lock(key string) func() {
	m.mu.Lock()
	l, ok := m.locks[key]
	if !ok {
		l = &sync.Mutex{}
		m.locks[key] = l
	}
	m.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// flock serialises mirror updates across processes sharing the data dir.
func flock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// update makes sure the mirror of url exists and holds commit (or, when
// commit is empty, the latest refs), returning the mirror's path.
func (m *mirrors) update(ctx context.Context, url, commit string) (string, error) {
	sum := sha256.Sum256([]byte(url))
	key := hex.EncodeToString(sum[:12])
	path := filepath.Join(m.dir, key+".git")
	unlock := m.lock(key)
	defer unlock()
	if err := os.MkdirAll(m.dir, 0o755); err != nil {
		return "", fmt.Errorf("checkout: %w", err)
	}
	funlock, err := flock(path + ".lock")
	if err != nil {
		return "", fmt.Errorf("checkout: lock mirror: %w", err)
	}
	defer funlock()

	if _, err := os.Stat(filepath.Join(path, "HEAD")); err != nil {
		tmp := path + ".tmp"
		os.RemoveAll(tmp)
		if _, err := git(ctx, m.dir, "clone", "--quiet", "--mirror", "--", url, tmp); err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("checkout: mirror: %w", err)
		}
		// Workspaces borrow the mirror's objects: never let gc prune them.
		if _, err := git(ctx, tmp, "config", "gc.auto", "0"); err != nil {
			return "", fmt.Errorf("checkout: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return "", fmt.Errorf("checkout: %w", err)
		}
		if commit == "" || hasCommit(ctx, path, commit) {
			return path, nil
		}
	} else if commit != "" && hasCommit(ctx, path, commit) {
		return path, nil // nothing new to fetch
	}
	if _, err := git(ctx, path, "-c", "gc.auto=0", "-c", "maintenance.auto=false", "fetch", "--quiet", "--prune", "--no-write-fetch-head", "origin"); err != nil {
		return "", fmt.Errorf("checkout: fetch: %w", err)
	}
	if commit != "" && !hasCommit(ctx, path, commit) {
		// Not under any ref (a pull request head on some servers): ask for it.
		if _, err := git(ctx, path, "-c", "maintenance.auto=false", "fetch", "--quiet", "--no-write-fetch-head", "origin", commit); err != nil {
			return "", fmt.Errorf("checkout: commit %s is not in the repository: %w", commit, err)
		}
	}
	return path, nil
}

func hasCommit(ctx context.Context, repo, commit string) bool {
	_, err := git(ctx, repo, "cat-file", "-e", commit+"^{commit}")
	return err == nil
}

// checkout clones the mirror into dest at commit, or at the head of branch
// when commit is empty, and returns the full commit id.
func (m *mirrors) checkout(ctx context.Context, url, commit, branch, dest string) (string, error) {
	mirror, err := m.update(ctx, url, commit)
	if err != nil {
		return "", err
	}
	rev := commit
	if rev == "" {
		if rev, err = git(ctx, mirror, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch+"^{commit}"); err != nil {
			return "", fmt.Errorf("checkout: branch %q not found: %w", branch, err)
		}
	}
	if _, err := git(ctx, filepath.Dir(dest), "clone", "--quiet", "--shared", "--no-checkout", "--", mirror, dest); err != nil {
		return "", fmt.Errorf("checkout: clone: %w", err)
	}
	if _, err := git(ctx, dest, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", rev); err != nil {
		return "", fmt.Errorf("checkout: %w", err)
	}
	full, err := git(ctx, dest, "rev-parse", "HEAD")
	if err != nil {
		return "", fmt.Errorf("checkout: %w", err)
	}
	return full, nil
}
