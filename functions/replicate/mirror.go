package replicate

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// refspecs are what is mirrored: branches and tags, forced, so that a
// forced update at the source is a forced update at the target. Other
// namespaces (refs/pull/*, refs/remotes/*, notes) are left alone, which is
// why the mirror is not a `git clone --mirror` (that fetches refs/*).
var refspecs = []string{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}

// mirrorDir is the local mirror of one source for this function instance.
func (f *Function) mirrorDir(key string) string {
	return filepath.Join(f.dataDir, "mirrors", key+".git")
}

// syncMirror brings the local mirror of src up to the source: created on
// first use (git init --bare, into a temporary name then renamed, so a
// crash never leaves a half-made mirror under the real name), then
// `git fetch --prune` of branches and tags, which also removes the ones
// deleted at the source. An interrupted fetch leaves the previous state;
// the next one resumes from it.
func (f *Function) syncMirror(ctx context.Context, r *runState) error {
	dir := r.mirror
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); errors.Is(err, fs.ErrNotExist) {
		if err := f.initMirror(ctx, dir, r.mask); err != nil {
			return err
		}
	}
	env, err := f.credentialEnv(r.src, r.src.password, "")
	if err != nil {
		return err
	}
	args := append([]string{"fetch", "--prune", "--no-write-fetch-head", "--progress", "--", r.src.git}, refspecs...)
	_, err = f.run(ctx, gitCmd{dir: dir, args: args, env: env, mask: r.mask, progress: r.progress("fetch")})
	if err != nil {
		return fmt.Errorf("replicate: fetch %s: %w", r.src.redacted, err)
	}
	return nil
}

func (f *Function) initMirror(ctx context.Context, dir string, mask masker) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("replicate: create mirror directory: %w", err)
	}
	tmp := dir + ".init-" + rand.Text()[:8]
	defer os.RemoveAll(tmp)
	if _, err := f.run(ctx, gitCmd{dir: filepath.Dir(dir), args: []string{"init", "--quiet", "--bare", "--", tmp}, mask: mask}); err != nil {
		return fmt.Errorf("replicate: create mirror: %w", err)
	}
	// A leftover mirror dir without HEAD is from a crash of an older layout
	// or a manual clean-up: replace it.
	_ = os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("replicate: create mirror: %w", err)
	}
	return nil
}

// sourceState is the mirror's branches and tags: a digest that identifies
// the state (what targets are compared with) and the count.
func (f *Function) sourceState(ctx context.Context, r *runState) (digest string, refs int, err error) {
	res, err := f.run(ctx, gitCmd{dir: r.mirror, mask: r.mask,
		args: []string{"for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags"}})
	if err != nil {
		return "", 0, fmt.Errorf("replicate: read mirror refs: %w", err)
	}
	sum := sha256.Sum256([]byte(res.stdout))
	return hex.EncodeToString(sum[:]), strings.Count(res.stdout, "\n"), nil
}
