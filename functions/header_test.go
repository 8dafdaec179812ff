package functions_test

import (
	"testing"

	"github.com/codebridge/codebridge/functions"
)

func TestValidHeaderName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"X-Api-Key", true},
		{"x_custom.1~!#$%&'*+^`|", true},
		{"", false},
		{"X Api", false},
		{"X:Api", false},
		{"X-Ünï", false},
		{"X\r\nInjected", false},
		{`X"`, false},
	}
	for _, tt := range tests {
		if got := functions.ValidHeaderName(tt.name); got != tt.want {
			t.Errorf("ValidHeaderName(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
