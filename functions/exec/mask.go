package exec

import "strings"

const masked = "***"

// masker replaces every configured secret with "***".
type masker struct {
	secrets []string // the non-empty ones
}

func newMasker(secrets []string) *masker {
	m := &masker{}
	for _, s := range secrets {
		if s != "" {
			m.secrets = append(m.secrets, s)
		}
	}
	return m
}

// mask replaces each run of text covered by occurrences of secrets with
// "***". Occurrences are found independently, overlapping ones too, so two
// secrets that share characters ("hunter2", "2abc" in "hunter2abc") are both
// hidden, which a left-to-right replacer would not do.
func (m *masker) mask(s string) string { return m.cover(s, 0) }

// maskCut masks s, a text that was cut off at its end. A secret that
// straddled the cut left only its head in s, which mask cannot recognise; so
// the longest head of any secret at the very end of s is masked too. On cut
// text this may mask a few harmless characters; it never lets part of a
// secret through.
func (m *masker) maskCut(s string) string {
	head := 0
	for _, sec := range m.secrets {
		for n := min(len(sec)-1, len(s)); n > head; n-- {
			if strings.HasSuffix(s, sec[:n]) {
				head = n
				break
			}
		}
	}
	return m.cover(s, head)
}

// cover masks the secrets in s and its last tail bytes.
func (m *masker) cover(s string, tail int) string {
	var hidden []bool
	hide := func(from, to int) {
		if hidden == nil {
			hidden = make([]bool, len(s))
		}
		for i := from; i < to; i++ {
			hidden[i] = true
		}
	}
	for _, sec := range m.secrets {
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], sec)
			if j < 0 {
				break
			}
			hide(i+j, i+j+len(sec))
			i += j + 1
		}
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
			b.WriteString(masked)
		}
	}
	return b.String()
}
