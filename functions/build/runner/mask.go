package runner

import (
	"slices"
	"strings"

	"github.com/codebridge/codebridge/functions"
)

// Mask replaces a secret wherever it appears.
const Mask = functions.Masked

// Masker hides secret values in text: the exact value, its base64 forms and
// its URL-encoded forms (see functions.Masker). The zero Masker masks nothing.
type Masker = functions.Masker

// NewMasker builds a Masker for the given values; empty values are ignored.
// A multi-line secret is also masked line by line (each trimmed line of four
// bytes or more), since output is masked a line at a time.
func NewMasker(secrets ...string) *Masker {
	all := slices.Clone(secrets)
	for _, s := range secrets {
		if !strings.Contains(s, "\n") {
			continue
		}
		for _, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); len(line) >= 4 {
				all = append(all, line)
			}
		}
	}
	return functions.NewMasker(all...)
}
