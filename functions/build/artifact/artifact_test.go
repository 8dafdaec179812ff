package artifact

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"**/*", "a", true},
		{"**/*", "a/b/c.txt", true},
		{"*.txt", "a.txt", true},
		{"*.txt", "d/a.txt", false},
		{"dist/**/*.js", "dist/a.js", true},
		{"dist/**/*.js", "dist/x/y/a.js", true},
		{"dist/**/*.js", "src/a.js", false},
		{"*/my-file3.txt", "my-subdirectory/my-file3.txt", true},
		{"a/*", "a/b/c", false},
		{"./a/b", "a/b", true},
		{"[", "[", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func names(fs []File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

// The CodeBuild buildspec reference's base-directory examples.
func TestCollectBaseDirectory(t *testing.T) {
	root := tree(t, map[string]string{
		"my-build1/my-file1.txt":                 "1",
		"my-build2/my-file2.txt":                 "2",
		"my-build2/my-subdirectory/my-file3.txt": "3",
		"other/my-file1.txt":                     "x",
	})
	tests := []struct {
		base    string
		globs   []string
		discard bool
		want    []string
	}{
		{"my-build2", []string{"*/my-file3.txt"}, false, []string{"my-subdirectory/my-file3.txt"}},
		{"my-build*", []string{"**/*"}, true, []string{"my-file1.txt", "my-file2.txt", "my-file3.txt"}},
		{"", []string{"my-build2"}, false, []string{"my-build2/my-file2.txt", "my-build2/my-subdirectory/my-file3.txt"}},
		{"", []string{"nothing/*"}, false, nil},
	}
	for _, tt := range tests {
		got, err := Collect(root, tt.base, tt.globs, tt.discard)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(names(got), tt.want) {
			t.Errorf("Collect(%q, %q, %v) = %v, want %v", tt.base, tt.globs, tt.discard, names(got), tt.want)
		}
	}
	if _, err := Collect(root, "", []string{"**/*.txt"}, true); err == nil {
		t.Error("clashing names with discard-paths: no error")
	}
}

func TestCollectSkipsLinksOutside(t *testing.T) {
	root := tree(t, map[string]string{"in.txt": "in"})
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("secret"), 0o600)
	os.Symlink(outside, filepath.Join(root, "leak.txt"))
	os.Symlink(filepath.Join(root, "in.txt"), filepath.Join(root, "ok.txt"))
	got, err := Collect(root, "", []string{"*"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names(got), []string{"in.txt", "ok.txt"}) {
		t.Errorf("got %v", names(got))
	}
}

func TestZipAndTarRoundTrip(t *testing.T) {
	root := tree(t, map[string]string{"a/b.txt": "bee", "c.txt": "sea"})
	files, err := Collect(root, "", []string{"**/*"}, false)
	if err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	if err := WriteZip(&zb, files); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zb.Bytes()), int64(zb.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		got[f.Name] = string(b)
	}
	if !reflect.DeepEqual(got, map[string]string{"a/b.txt": "bee", "c.txt": "sea"}) {
		t.Errorf("zip = %v", got)
	}

	var tb bytes.Buffer
	if err := WriteTarGz(&tb, files); err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	n, err := ExtractTarGz(&tb, dest)
	if err != nil || n != 2 {
		t.Fatalf("extract = %d, %v", n, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "a", "b.txt")); string(b) != "bee" {
		t.Errorf("a/b.txt = %q", b)
	}
}

func evilTar(t *testing.T, h *tar.Header, body string) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	h.Size = int64(len(body))
	if err := tw.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(body))
	tw.Close()
	gz.Close()
	return &b
}

func TestExtractRefusesEscapes(t *testing.T) {
	tests := []*tar.Header{
		{Name: "../escape", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "/abs", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
	}
	for _, h := range tests {
		dest := t.TempDir()
		if _, err := ExtractTarGz(evilTar(t, h, ""), dest); err == nil {
			t.Errorf("%s: no error", h.Name)
		}
	}
	// A committed symlink to a directory outside must not carry a write out.
	dest := t.TempDir()
	outside := t.TempDir()
	os.Symlink(outside, filepath.Join(dest, "out"))
	_, err := ExtractTarGz(evilTar(t, &tar.Header{Name: "out/x", Typeflag: tar.TypeReg, Mode: 0o644}, "x"), dest)
	if !errors.Is(err, ErrUnsafePath) {
		t.Errorf("symlinked dir: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "x")); err == nil {
		t.Error("file written through the symlink")
	}
}
