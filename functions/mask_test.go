package functions_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/codebridge/codebridge/functions"
)

func TestMasker(t *testing.T) {
	// A secret with characters that base64 and URL escaping change.
	const enc = "p@ss word/+=?"
	m := functions.NewMasker("", "tok", "tok-longer-secret", "hunter2", "2abc", enc, "ab")
	tests := []struct {
		name, in, want string
		cut            bool
	}{
		{"no secrets", "no secrets here", "no secrets here", false},
		{"longer secret whole", "a tok-longer-secret b", "a *** b", false},
		{"two secrets", "tok and hunter2", "*** and ***", false},
		{"overlapping secrets", "x hunter2abc y", "x *** y", false},
		{"adjacent occurrences", "tokhunter2tok", "***", false},
		{"short secret masked as written", "ab cd", "*** cd", false},
		{"short secret's base64 left alone", base64.StdEncoding.EncodeToString([]byte("ab")), "YWI=", false},
		{"standard base64", "k=" + base64.StdEncoding.EncodeToString([]byte(enc)), "k=***", false},
		{"standard base64 unpadded", base64.RawStdEncoding.EncodeToString([]byte(enc)) + ".", "***.", false},
		{"URL base64", base64.URLEncoding.EncodeToString([]byte(enc)), "***", false},
		{"URL base64 unpadded", base64.RawURLEncoding.EncodeToString([]byte(enc)), "***", false},
		{"query escaped", "?q=" + url.QueryEscape(enc), "?q=***", false},
		{"path escaped", "/" + url.PathEscape(enc), "/***", false},
		{"4-byte secret's base64", base64.StdEncoding.EncodeToString([]byte("2abc")), "***", false},
		// Cut texts: a head of a secret at the end is masked.
		{"cut head", "value hunt", "value ***", true},
		{"cut head of the longer secret", "value tok-lon", "value ***", true},
		{"uncut head kept", "value hunt", "value hunt", false},
		{"cut clean", "ends clean.", "ends clean.", true},
		{"cut whole secret", "value hunter2", "value ***", true},
		{"cut empty", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.Mask(tt.in)
			if tt.cut {
				got = m.MaskCut(tt.in)
			}
			if got != tt.want {
				t.Errorf("mask(%q, cut=%v) = %q, want %q", tt.in, tt.cut, got, tt.want)
			}
		})
	}
}

func TestMaskerEmpty(t *testing.T) {
	var zero functions.Masker
	var nilM *functions.Masker
	for name, m := range map[string]*functions.Masker{
		"nil": nilM, "zero": &zero, "no secrets": functions.NewMasker(), "only empty": functions.NewMasker("", ""),
	} {
		if got := m.Mask("text *** x"); got != "text *** x" {
			t.Errorf("%s: Mask = %q", name, got)
		}
		if got := m.MaskCut("text x"); got != "text x" {
			t.Errorf("%s: MaskCut = %q", name, got)
		}
		for range m.Spans("text") {
			t.Errorf("%s: Spans yielded", name)
		}
	}
}

func TestMaskerWith(t *testing.T) {
	base := functions.NewMasker("first-secret")
	more := base.With("second-secret")
	if got := more.Mask("first-secret second-secret"); got != "*** ***" {
		t.Errorf("With: Mask = %q", got)
	}
	if got := base.Mask("first-secret second-secret"); got != "*** second-secret" {
		t.Errorf("With changed its receiver: Mask = %q", got)
	}
	if got := more.Mask(base64.StdEncoding.EncodeToString([]byte("second-secret"))); got != "***" {
		t.Errorf("With: base64 form not masked: %q", got)
	}
}

func TestMaskerSpans(t *testing.T) {
	m := functions.NewMasker("hunter2", "2abc")
	var got []string
	for from, to := range m.Spans("x hunter2abc hunter2") {
		got = append(got, fmt.Sprintf("%d-%d", from, to))
	}
	if s := strings.Join(got, " "); s != "2-9 13-20 8-12" {
		t.Errorf("Spans = %s, want 2-9 13-20 8-12", s)
	}
}

// TestMaskCutNeverLeaks cuts texts holding secrets at every position and
// checks that no three-character piece of a secret survives.
func TestMaskCutNeverLeaks(t *testing.T) {
	secrets := []string{"hunter2", "tok", "tok-longer-secret", "2abc"}
	m := functions.NewMasker(secrets...)
	texts := []string{
		"x hunter2 tok-longer-secret y",
		"xhunter2abc tok tok-longer-secretz",
		"pre tok-longer-secrethunter2 post",
	}
	for _, text := range texts {
		for cut := 0; cut <= len(text); cut++ {
			got := m.MaskCut(text[:cut])
			for _, sec := range secrets {
				for i := 0; i+3 <= len(sec); i++ {
					piece := sec[i : i+3]
					if strings.Contains(got, piece) && !strings.Contains(strings.ReplaceAll(text[:cut], sec, ""), piece) {
						t.Errorf("MaskCut(%q) = %q leaks %q of %q", text[:cut], got, piece, sec)
					}
				}
			}
		}
	}
}

func ExampleMasker() {
	m := functions.NewMasker("hunter2", "2abc", "")
	fmt.Println(m.Mask("password hunter2abc"))
	fmt.Println(m.Mask("basic " + base64.StdEncoding.EncodeToString([]byte("hunter2"))))
	fmt.Println(m.MaskCut("cut off at hunt"))
	// Output:
	// password ***
	// basic ***
	// cut off at ***
}
