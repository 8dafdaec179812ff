package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions/build/artifact"
	"github.com/codebridge/codebridge/functions/build/buildspec"
	"github.com/codebridge/codebridge/functions/build/report"
)

// reports totals each report group's JUnit files into the record.
func (b *buildRun) reports(dir string, spec *buildspec.Spec) {
	var out []events.ReportSummary
	for _, g := range spec.Reports {
		files, err := artifact.Collect(dir, g.BaseDirectory, g.Files, false)
		if err != nil {
			b.logf("Report %s: %v", g.Name, err)
			continue
		}
		tot := report.Totals{Name: g.Name}
		for _, f := range files {
			if err := tot.AddFile(f.Path); err != nil {
				b.logf("Report %s: %s: %v", g.Name, f.Name, errors.Unwrap(err))
			}
		}
		s := tot.Summary()
		s.Failures = maskAll(b.masker, s.Failures)
		b.logf("Report %s: %d tests, %d passed, %d failed, %d skipped (%.2f%%)", s.Name, s.Total, s.Passed, s.Failed, s.Skipped, s.PassRate)
		out = append(out, s)
	}
	b.mu.Lock()
	b.rec.Reports = out
	b.mu.Unlock()
}

// uploadArtifacts zips the artifact files into CB_ARTIFACTS under the build
// id. No matching file is an error, as in CodeBuild.
func (b *buildRun) uploadArtifacts(ctx context.Context, dir string, a *buildspec.Artifacts) error {
	files, err := artifact.Collect(dir, a.BaseDirectory, a.Files, a.DiscardPaths)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no file matches %q", a.Files)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dir), "artifacts-*.zip")
	if err != nil {
		return err
	}
	defer tmp.Close()
	if err := artifact.WriteZip(tmp, files); err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	name := a.Name
	if name == "" {
		name = b.rec.ID
	}
	meta := jetstream.ObjectMeta{Name: b.rec.ID, Description: name, Metadata: map[string]string{"artifactName": name}}
	if _, err := b.st.artifacts.Put(ctx, meta, tmp); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	b.logf("Uploaded %d artifact files (%d bytes) as %s", len(files), size, name)
	b.mu.Lock()
	b.rec.Artifacts = &ArtifactInfo{Name: name, Object: b.rec.ID, Files: len(files), Size: size}
	b.mu.Unlock()
	return nil
}

// restoreCache unpacks the branch's cache, or the default branch's, into
// dir. A missing or broken cache only costs time.
func (b *buildRun) restoreCache(ctx context.Context, dir, branch string) {
	candidates := []string{}
	if branch != "" {
		candidates = append(candidates, branch)
	}
	if branch != b.f.cfg.Branch {
		candidates = append(candidates, b.f.cfg.Branch)
	}
	for _, br := range candidates {
		res, err := b.st.cache.Get(ctx, cacheObject(b.rec.Project, br))
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			continue
		}
		if err != nil {
			b.logf("Cache: %v", err)
			return
		}
		n, err := artifact.ExtractTarGz(res, dir)
		res.Close()
		if err != nil {
			b.logf("Cache of %s not restored: %v", br, err)
			return
		}
		b.logf("Restored the cache of branch %s (%d files)", br, n)
		return
	}
	b.logf("No cache yet")
}

// saveCache packs cache.paths into CB_CACHE for the branch.
func (b *buildRun) saveCache(ctx context.Context, dir, branch string, c *buildspec.Cache) {
	if branch == "" {
		branch = b.f.cfg.Branch
	}
	files, err := artifact.Collect(dir, "", c.Paths, false)
	if err != nil {
		b.logf("Cache not saved: %v", err)
		return
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(artifact.WriteTarGz(pw, files)) }()
	if _, err := b.st.cache.Put(ctx, jetstream.ObjectMeta{Name: cacheObject(b.rec.Project, branch)}, pr); err != nil {
		pr.CloseWithError(err)
		b.logf("Cache not saved: %v", err)
		return
	}
	b.logf("Saved the cache of branch %s (%d files)", branch, len(files))
}
