package artifact

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// WriteZip packs files into a zip archive.
func WriteZip(w io.Writer, files []File) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		if err := addZip(zw, f); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("artifact: finish zip: %w", err)
	}
	return nil
}

func addZip(zw *zip.Writer, f File) error {
	src, st, err := openFile(f)
	if err != nil {
		return err
	}
	defer src.Close()
	h, err := zip.FileInfoHeader(st)
	if err != nil {
		return fmt.Errorf("artifact: header %s: %w", f.Name, err)
	}
	h.Name, h.Method = f.Name, zip.Deflate
	dst, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("artifact: add %s: %w", f.Name, err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		return fmt.Errorf("artifact: copy %s: %w", f.Name, err)
	}
	return nil
}

// WriteTarGz packs files into a gzipped tar, keeping their modes.
func WriteTarGz(w io.Writer, files []File) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		if err := addTar(tw, f); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("artifact: finish tar: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("artifact: finish gzip: %w", err)
	}
	return nil
}

func addTar(tw *tar.Writer, f File) error {
	src, st, err := openFile(f)
	if err != nil {
		return err
	}
	defer src.Close()
	h := &tar.Header{Name: f.Name, Mode: int64(st.Mode().Perm()), Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("artifact: add %s: %w", f.Name, err)
	}
	if _, err := io.CopyN(tw, src, st.Size()); err != nil {
		return fmt.Errorf("artifact: copy %s: %w", f.Name, err)
	}
	return nil
}

// openFile opens f to pack it, with what its archive header needs; the caller
// closes the file.
func openFile(f File) (*os.File, os.FileInfo, error) {
	src, err := os.Open(f.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("artifact: open %s: %w", f.Name, err)
	}
	st, err := src.Stat()
	if err != nil {
		src.Close()
		return nil, nil, fmt.Errorf("artifact: stat %s: %w", f.Name, err)
	}
	return src, st, nil
}

// ErrUnsafePath is returned for an archive entry that would land outside the
// destination.
var ErrUnsafePath = errors.New("archive entry escapes the destination")

// ExtractTarGz unpacks a gzipped tar of regular files into dest, refusing
// absolute names, "..", links and anything but regular files and
// directories. It returns the number of files written.
func ExtractTarGz(r io.Reader, dest string) (int, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return 0, fmt.Errorf("artifact: gunzip: %w", err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	n := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("artifact: read tar: %w", err)
		}
		name := path.Clean(h.Name)
		if path.IsAbs(h.Name) || name == ".." || strings.HasPrefix(name, "../") {
			return n, fmt.Errorf("artifact: %q: %w", h.Name, ErrUnsafePath)
		}
		target := filepath.Join(dest, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return n, fmt.Errorf("artifact: mkdir %s: %w", name, err)
			}
		case tar.TypeReg:
			if err := writeFile(dest, target, tr, os.FileMode(h.Mode).Perm()); err != nil {
				return n, fmt.Errorf("artifact: write %s: %w", name, err)
			}
			n++
		default:
			return n, fmt.Errorf("artifact: %q: only regular files are unpacked", h.Name)
		}
	}
}

func writeFile(dest, target string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	// A directory on the way that is a symlink out of dest (committed to the
	// repository) must not carry the write elsewhere.
	realDest, err := filepath.EvalSymlinks(dest)
	if err != nil {
		return err
	}
	realDir, err := filepath.EvalSymlinks(filepath.Dir(target))
	if err != nil {
		return err
	}
	if realDir != realDest && !inside(realDest, realDir) {
		return ErrUnsafePath
	}
	// A symlink already at the target (made by the build) must not redirect
	// the write: remove it first and create the file exclusively.
	if st, err := os.Lstat(target); err == nil && !st.Mode().IsRegular() {
		if err := os.Remove(target); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscallNoFollow, mode|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
