package replicate

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// pushResult is one target's outcome in one run.
type pushResult struct {
	target   target
	skipped  bool // the target already had this source state
	refs     []string
	objects  int64
	bytes    int64
	duration time.Duration
	err      error
}

// push makes the target's branches and tags equal the mirror's: new and
// updated refs (forced where the source was forced) and, with --prune,
// deleting the ones the source no longer has.
func (f *Function) push(ctx context.Context, r *runState, t target) pushResult {
	start := time.Now()
	res := pushResult{target: t}
	mask := r.mask.with(t.token)
	env, err := f.credentialEnv(t.url, t.token, t.sshKey)
	if err != nil {
		res.err = err
		return res
	}
	args := append([]string{"push", "--porcelain", "--prune", "--progress", "--", t.url.git}, refspecs...)
	out, err := f.run(ctx, gitCmd{dir: r.mirror, args: args, env: env, mask: mask, progress: r.progress(t.name)})
	res.duration = time.Since(start)
	res.refs, res.objects, res.bytes = parsePush(out.stdout, out.stderr)
	if err != nil {
		if rej := rejected(out.stdout); rej != "" {
			err = fmt.Errorf("%w; rejected: %s", err, mask.mask(rej))
		}
		res.err = fmt.Errorf("replicate: push to %s: %w", t.name, err)
	}
	return res
}

// parsePush reads `git push --porcelain` (stdout) and its progress (stderr):
// the target refs that changed and, when git reports them, the objects and
// bytes written.
//
// Porcelain lines are "<flag>\t<from>:<to>\t<summary>" where the flag is
// ' ' (fast-forward), '+' (forced), '-' (deleted), '*' (new), '!'
// (rejected) or '=' (up to date), as git-push(1) documents under OUTPUT.
func parsePush(stdout string, stderr []string) (refs []string, objects, bytes int64) {
	for _, line := range strings.Split(stdout, "\n") {
		flag, rest, ok := strings.Cut(line, "\t")
		if !ok || len(flag) != 1 || !strings.Contains(" +-*", flag) {
			continue
		}
		spec, _, _ := strings.Cut(rest, "\t")
		if _, to, ok := strings.Cut(spec, ":"); ok && to != "" {
			refs = append(refs, to)
		}
	}
	for _, l := range stderr {
		if m := writingRE.FindStringSubmatch(l); m != nil {
			objects, _ = strconv.ParseInt(m[1], 10, 64)
			if m[2] != "" {
				bytes = parseSize(m[2], m[3])
			}
		}
	}
	return refs, objects, bytes
}

// writingRE matches git's final "Writing objects: 100% (3/3), 245 bytes |
// 245.00 KiB/s, done." line.
var writingRE = regexp.MustCompile(`Writing objects: 100% \((\d+)/\d+\)(?:, ([\d.]+) (bytes|KiB|MiB|GiB))?`)

func parseSize(n, unit string) int64 {
	v, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return 0
	}
	switch unit {
	case "KiB":
		v *= 1 << 10
	case "MiB":
		v *= 1 << 20
	case "GiB":
		v *= 1 << 30
	}
	return int64(v)
}

// rejected lists the refs a push refused, with git's reason.
func rejected(stdout string) string {
	var out []string
	for _, line := range strings.Split(stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, "!\t"); ok {
			spec, why, _ := strings.Cut(rest, "\t")
			_, to, _ := strings.Cut(spec, ":")
			out = append(out, to+" "+why)
		}
	}
	return strings.Join(out, ", ")
}
