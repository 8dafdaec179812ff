package functions

import (
	"encoding/base64"
	"iter"
	"net/url"
	"strings"
)

// Masked is what a Masker writes in place of a secret.
const Masked = "***"

// minEncodedLen is the shortest secret whose encoded forms are masked too:
// the base64 form of a one- or two-byte value is a common two- or
// three-letter word, and masking it would garble ordinary text.
const minEncodedLen = 4

// Masker hides secret values in text that leaves a function: log lines,
// error messages, event data. It masks each secret as written and, for a
// secret of four bytes or more, the forms it takes when a program encodes it
// on the way out: base64 (standard and URL alphabets, with and without
// padding) and URL query and path escaping.
//
// The zero Masker and a nil *Masker mask nothing. A Masker is safe for
// concurrent use.
type Masker struct {
	forms []string // every non-empty form to hide, each once
}

// NewMasker returns a Masker for secrets; empty strings are ignored.
func NewMasker(secrets ...string) *Masker {
	return (*Masker)(nil).With(secrets...)
}

// With returns a Masker that hides what m hides and extra too; m is not
// changed.
func (m *Masker) With(extra ...string) *Masker {
	n := &Masker{}
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			n.forms = append(n.forms, s)
		}
	}
	if m != nil {
		for _, f := range m.forms {
			add(f)
		}
	}
	for _, s := range extra {
		add(s)
		if len(s) < minEncodedLen {
			continue
		}
		b := []byte(s)
		// Both padded and unpadded: the unpadded form is a prefix of the
		// padded one, and masking only it would leave the "=" behind.
		add(base64.StdEncoding.EncodeToString(b))
		add(base64.RawStdEncoding.EncodeToString(b))
		add(base64.URLEncoding.EncodeToString(b))
		add(base64.RawURLEncoding.EncodeToString(b))
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
	}
	return n
}

// Mask replaces each run of text covered by occurrences of secrets with
// "***". Occurrences are found independently, overlapping ones too, so two
// secrets that share characters ("hunter2" and "2abc" in "hunter2abc") are
// both hidden, which a left-to-right replacer would not do.
func (m *Masker) Mask(s string) string { return m.cover(s, 0) }

// MaskCut masks s, a text that was cut off at its end. A secret that
// straddled the cut left only its head in s, which Mask cannot recognise; so
// the longest head of any secret at the very end of s is masked too. On cut
// text this may mask a few harmless characters; it never lets part of a
// secret through.
func (m *Masker) MaskCut(s string) string {
	if m == nil {
		return s
	}
	head := 0
	for _, sec := range m.forms {
		for n := min(len(sec)-1, len(s)); n > head; n-- {
			if strings.HasSuffix(s, sec[:n]) {
				head = n
				break
			}
		}
	}
	return m.cover(s, head)
}

// Spans yields the byte range [start, end) of every occurrence in s of
// anything m hides, overlapping occurrences too, for a caller that must know
// where the secrets stand (to drop a whole part of a URL, say) rather than
// mask them.
func (m *Masker) Spans(s string) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		if m == nil {
			return
		}
		for _, sec := range m.forms {
			for i := 0; i < len(s); {
				j := strings.Index(s[i:], sec)
				if j < 0 {
					break
				}
				if !yield(i+j, i+j+len(sec)) {
					return
				}
				i += j + 1
			}
		}
	}
}

// cover masks the secrets in s and its last tail bytes.
func (m *Masker) cover(s string, tail int) string {
	if m == nil {
		return s
	}
	var hidden []bool
	hide := func(from, to int) {
		if hidden == nil {
			hidden = make([]bool, len(s))
		}
		for i := from; i < to; i++ {
			hidden[i] = true
		}
	}
	for from, to := range m.Spans(s) {
		hide(from, to)
	}
	if tail > 0 {
		hide(len(s)-tail, len(s))
	}
	if hidden == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case !hidden[i]:
			b.WriteByte(s[i])
		case i == 0 || !hidden[i-1]:
			b.WriteString(Masked)
		}
	}
	return b.String()
}
