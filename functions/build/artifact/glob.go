package artifact

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Match reports whether the slash-separated relative path name matches
// pattern, where a "**" segment matches zero or more segments.
func Match(pattern, name string) bool {
	return matchSegs(splitClean(pattern), strings.Split(name, "/"))
}

func splitClean(p string) []string {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			for i := 0; i <= len(name); i++ {
				if matchSegs(rest, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// File is one file chosen for packing.
type File struct {
	Path string // absolute path on disk
	Name string // slash path inside the archive
}

// Collect returns the regular files under root/baseDir that match any of
// globs, sorted by name. baseDir may itself be a pattern ("build-*") that
// selects several top-level directories; it is not part of the names. With
// discardPaths the names are the bare file names. Two files with the same
// name are an error.
func Collect(root, baseDir string, globs []string, discardPaths bool) ([]File, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("artifact: %w", err)
	}
	if realRoot, err := filepath.EvalSymlinks(root); err == nil {
		root = realRoot
	}
	bases := []string{root}
	if baseDir != "" && baseDir != "." {
		bases, err = baseDirs(root, baseDir)
		if err != nil {
			return nil, err
		}
	}
	seen := map[string]string{}
	var out []File
	for _, base := range bases {
		err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(base, p)
			rel = filepath.ToSlash(rel)
			if !matchAny(globs, rel) {
				return nil
			}
			if !regularInside(root, p, d) {
				return nil
			}
			name := rel
			if discardPaths {
				name = path.Base(rel)
			}
			if prev, dup := seen[name]; dup {
				return fmt.Errorf("artifact: %s and %s would both be stored as %s", prev, rel, name)
			}
			seen[name] = rel
			out = append(out, File{Path: p, Name: name})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("artifact: walk %s: %w", base, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// matchAny also takes a file under a directory that a pattern names.
func matchAny(globs []string, rel string) bool {
	for _, g := range globs {
		if Match(g, rel) {
			return true
		}
		segs := strings.Split(rel, "/")
		for i := 1; i < len(segs); i++ {
			if Match(g, strings.Join(segs[:i], "/")) {
				return true
			}
		}
	}
	return false
}

// regularInside reports whether p is a regular file, or a link to one that
// stays inside root.
func regularInside(root, p string, d fs.DirEntry) bool {
	if d.Type().IsRegular() {
		return true
	}
	if d.Type()&fs.ModeSymlink == 0 {
		return false
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil || !inside(root, real) {
		return false
	}
	st, err := os.Stat(real)
	return err == nil && st.Mode().IsRegular()
}

func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// baseDirs resolves a base-directory pattern to existing directories.
func baseDirs(root, pattern string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if Match(pattern, rel) {
			out = append(out, p)
			return fs.SkipDir
		}
		// Stop descending once the directory is deeper than the pattern can
		// reach (patterns without ** have a fixed depth).
		if !strings.Contains(pattern, "**") && strings.Count(rel, "/") >= strings.Count(pattern, "/") {
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("artifact: base-directory %q: %w", pattern, err)
	}
	return out, nil
}
