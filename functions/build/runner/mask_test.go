package runner

import (
	"encoding/base64"
	"net/url"
	"testing"
)

func TestMasker(t *testing.T) {
	secret := "p@ss word/+=?"
	m := NewMasker(secret, "", "line-one-secret\nline-two-secret")
	tests := []struct{ in, want string }{
		{"token " + secret, "token ***"},
		{base64.StdEncoding.EncodeToString([]byte(secret)), "***"},
		{base64.RawURLEncoding.EncodeToString([]byte(secret)), "***"},
		{url.QueryEscape(secret), "***"},
		{url.PathEscape(secret), "***"},
		{"a line-two-secret b", "a *** b"},
		{"nothing here", "nothing here"},
	}
	for _, tt := range tests {
		if got := m.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var zero *Masker
	if zero.Mask("x") != "x" || NewMasker().Mask("x") != "x" {
		t.Error("empty masker changed text")
	}
}
