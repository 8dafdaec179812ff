package exec

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"unicode/utf8"
)

// scanLines calls fn with each line of r, without its line ending. A line
// longer than maxLine is cut to maxLine bytes (cut is true) and the rest of it
// skipped. Once fn returns false the rest of r is read and discarded, so the
// writer never blocks on a full pipe.
func scanLines(r io.Reader, maxLine int, fn func(line []byte, cut bool) bool) {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	cut := false
	for {
		chunk, err := br.ReadSlice('\n')
		if room := maxLine - len(buf); len(chunk) > room {
			if room > 0 {
				buf = append(buf, chunk[:room]...)
			}
			cut = true
		} else {
			buf = append(buf, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(buf) > 0 {
			line := bytes.TrimSuffix(buf, []byte("\n"))
			line = bytes.TrimSuffix(line, []byte("\r"))
			if !fn(line, cut) {
				_, _ = io.Copy(io.Discard, br)
				return
			}
		}
		buf, cut = buf[:0], false
		if err != nil {
			return
		}
	}
}

// tail keeps the last lines of a stream, at most max bytes of them.
type tail struct {
	max   int
	lines []string
	size  int
}

func (t *tail) add(line string) {
	t.lines = append(t.lines, line)
	t.size += len(line) + 1
	// size counts a newline after every line; the joined text has one fewer.
	for t.size-1 > t.max && len(t.lines) > 1 {
		t.size -= len(t.lines[0]) + 1
		t.lines = t.lines[1:]
	}
}

// String joins the kept lines; the lines are already masked, so cutting the
// front off to fit max cannot expose part of a secret.
func (t *tail) String() string {
	s := strings.Join(t.lines, "\n")
	if len(s) > t.max {
		s = s[len(s)-t.max:]
		for len(s) > 0 && !utf8.RuneStart(s[0]) {
			s = s[1:]
		}
	}
	return s
}

// truncate cuts an already-masked s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
