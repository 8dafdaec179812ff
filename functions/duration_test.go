package functions_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/functions"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"30s", 30 * time.Second, ""},
		{"5m", 5 * time.Minute, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"0d", 0, ""},
		{"-5s", -5 * time.Second, ""},
		{"10", 0, `invalid duration "10" (use 30s, 5m, 24h or 7d)`},
		{"soon", 0, `invalid duration "soon"`},
		{"1.5d", 0, `invalid duration "1.5d"`},
		{"d", 0, `invalid duration "d"`},
		{"", 0, `invalid duration ""`},
	}
	for _, tt := range tests {
		got, err := functions.ParseDuration(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseDuration(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestDurationYAML(t *testing.T) {
	var cfg struct {
		Timeout functions.Duration `yaml:"timeout"`
	}
	if err := yaml.Unmarshal([]byte("timeout: 2d"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Timeout.D() != 48*time.Hour {
		t.Errorf("timeout = %v", cfg.Timeout.D())
	}
	out, err := yaml.Marshal(cfg)
	if err != nil || string(out) != "timeout: 48h0m0s\n" {
		t.Errorf("Marshal = %q, %v", out, err)
	}
	if err := yaml.Unmarshal([]byte("timeout: soon"), &cfg); err == nil || !strings.Contains(err.Error(), `invalid duration "soon"`) {
		t.Errorf("bad duration: err = %v", err)
	}
}

func ExampleParseDuration() {
	d, _ := functions.ParseDuration("7d")
	fmt.Println(d)
	_, err := functions.ParseDuration("soon")
	fmt.Println(err)
	// Output:
	// 168h0m0s
	// invalid duration "soon" (use 30s, 5m, 24h or 7d)
}
