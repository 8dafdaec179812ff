package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions/build/artifact"
	"github.com/codebridge/codebridge/functions/build/buildspec"
	"github.com/codebridge/codebridge/functions/build/report"
	"github.com/codebridge/codebridge/functions/build/runner"
)

// RunLocal runs the buildspec at buildspecPath (relative to dir; default
// buildspec.yml) in dir itself, with no server and no NATS: the same phases,
// variables and masked output as on a worker, written to out line by line.
// Report groups are totalled and the artifact files listed; nothing is
// uploaded and there is no cache. Secrets resolve from the environment and
// files as on a worker. Cancel ctx to stop the build (STOPPED).
func RunLocal(ctx context.Context, dir, buildspecPath string, out io.Writer) (Status, error) {
	if buildspecPath == "" {
		buildspecPath = DefaultBuildspec
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return StatusFailed, fmt.Errorf("build: %w", err)
	}
	path := buildspecPath
	if !filepath.IsAbs(path) {
		path = filepath.Join(abs, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return StatusFailed, fmt.Errorf("build: read buildspec: %w", err)
	}
	spec, err := buildspec.Parse(buildspecPath, data)
	if err != nil {
		return StatusFailed, err
	}
	secretEnv, values, err := resolveSecrets(ctx, EnvFileSecrets{}, spec.Env.Secrets)
	if err != nil {
		return StatusFailed, fmt.Errorf("build: %w", err)
	}
	masker := runner.NewMasker(values...)
	var mu sync.Mutex
	write := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(out, line)
	}
	src := localSource(ctx, abs)
	id := "local-" + time.Now().UTC().Format("20060102T150405")
	env := append(baseEnv(), secretEnv...)
	env = append(env, buildVars(id, 0, filepath.Base(abs), abs, src)...)
	res, err := runner.Run(ctx, spec, runner.Options{Dir: abs, Env: env, Masker: masker, Log: write})
	if err != nil {
		return StatusFailed, err
	}
	if res.Status != StatusStopped && res.Status != StatusTimedOut {
		for _, g := range spec.Reports {
			files, err := artifact.Collect(abs, g.BaseDirectory, g.Files, false)
			if err != nil {
				write(fmt.Sprintf("[codebridge] Report %s: %v", g.Name, err))
				continue
			}
			tot := report.Totals{Name: g.Name}
			for _, f := range files {
				if err := tot.AddFile(f.Path); err != nil {
					write("[codebridge] " + masker.Mask(err.Error()))
				}
			}
			s := tot.Summary()
			write(fmt.Sprintf("[codebridge] Report %s: %d tests, %d passed, %d failed, %d skipped (%.2f%%)", s.Name, s.Total, s.Passed, s.Failed, s.Skipped, s.PassRate))
			for _, f := range s.Failures {
				write("[codebridge]   FAIL " + masker.Mask(f))
			}
		}
		if a := spec.Artifacts; a != nil {
			files, err := artifact.Collect(abs, a.BaseDirectory, a.Files, a.DiscardPaths)
			switch {
			case err != nil:
				write("[codebridge] Artifacts: " + err.Error())
			case len(files) == 0:
				write(fmt.Sprintf("[codebridge] Artifacts: no file matches %q", a.Files))
				if res.Status == StatusSucceeded {
					res.Status, res.Message = StatusFailed, "artifacts: no file matches"
				}
			default:
				names := make([]string, len(files))
				for i, f := range files {
					names[i] = f.Name
				}
				write(fmt.Sprintf("[codebridge] Artifacts (%d files, not uploaded in local mode): %s", len(files), strings.Join(names, ", ")))
			}
		}
	}
	msg := ""
	if res.Message != "" {
		msg = ": " + masker.Mask(res.Message)
	}
	write(fmt.Sprintf("[codebridge] Build %s%s", res.Status, msg))
	return res.Status, nil
}

// localSource describes dir's checkout, if it is a git repository.
func localSource(ctx context.Context, dir string) Source {
	name := filepath.Base(dir)
	s := Source{Event: "LOCAL", Repository: events.Repository{Name: name, FullName: name, CloneURL: dir, Provider: "git"}}
	if c, err := git(ctx, dir, "rev-parse", "HEAD"); err == nil {
		s.CommitID = c
	}
	if b, err := git(ctx, dir, "symbolic-ref", "--quiet", "--short", "HEAD"); err == nil {
		s.Branch, s.HeadRef, s.Trigger = b, "refs/heads/"+b, "branch/"+b
	}
	if u, err := git(ctx, dir, "config", "--get", "remote.origin.url"); err == nil {
		s.Repository.CloneURL = displayURL(u)
	}
	return s
}
