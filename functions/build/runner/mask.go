package runner

import (
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// Mask replaces a secret wherever it appears.
const Mask = "***"

// Masker hides secret values in text: the exact value, its base64 forms
// (standard and URL alphabets, with and without padding) and its
// URL-encoded forms. A multi-line secret is also masked line by line, since
// output is masked a line at a time. The zero Masker masks nothing.
type Masker struct {
	r *strings.Replacer
}

// NewMasker builds a Masker for the given values; empty values are ignored.
func NewMasker(secrets ...string) *Masker {
	set := map[string]bool{}
	add := func(s string) {
		if s != "" {
			set[s] = true
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		forms := []string{s}
		if strings.Contains(s, "\n") {
			for _, line := range strings.Split(s, "\n") {
				if line = strings.TrimSpace(line); len(line) >= 4 {
					forms = append(forms, line)
				}
			}
		}
		for _, f := range forms {
			add(f)
			b := []byte(f)
			add(base64.StdEncoding.EncodeToString(b))
			add(base64.RawStdEncoding.EncodeToString(b))
			add(base64.URLEncoding.EncodeToString(b))
			add(base64.RawURLEncoding.EncodeToString(b))
			add(url.QueryEscape(f))
			add(url.PathEscape(f))
		}
	}
	if len(set) == 0 {
		return &Masker{}
	}
	vals := make([]string, 0, len(set))
	for v := range set {
		vals = append(vals, v)
	}
	// Longest first: the replacer tries old strings in argument order at each
	// position, so a value that contains another is replaced whole.
	sort.Slice(vals, func(i, j int) bool {
		if len(vals[i]) != len(vals[j]) {
			return len(vals[i]) > len(vals[j])
		}
		return vals[i] < vals[j]
	})
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, Mask)
	}
	return &Masker{r: strings.NewReplacer(pairs...)}
}

// Mask returns s with every secret form replaced by ***.
func (m *Masker) Mask(s string) string {
	if m == nil || m.r == nil {
		return s
	}
	return m.r.Replace(s)
}
