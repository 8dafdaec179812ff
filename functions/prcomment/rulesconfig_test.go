package prcomment_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/prcomment"
	"github.com/codebridge/codebridge/rules"
)

// The function's block as the configuration loader hands it over: ${VAR}
// expanded, type and timeout kept by the engine, the rest decoded strictly.
func TestConfigFromTheConfigurationFile(t *testing.T) {
	f := newFakeGitHub(t)
	src := `
functions:
  pr-bot:
    type: prcomment
    provider: github
    token: ${GITHUB_TOKEN}
    baseURL: ` + f.srv.URL + `
    requestTimeout: 5s
    timeout: 1m
    userAgent: codebridge-test
`
	env := map[string]string{"GITHUB_TOKEN": ghToken}
	cfg, err := rules.Parse("codebridge.yaml", []byte(src), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	fc := cfg.Functions["pr-bot"]
	if fc.Type != prcomment.Type {
		t.Fatalf("type = %q", fc.Type)
	}
	spec, err := functions.Lookup(fc.Type)
	if err != nil {
		t.Fatal(err)
	}
	fn, err := spec.New("pr-bot", fc.Decode, functions.Deps{Logger: zerolog.Nop(), Secrets: cfg.Secrets()})
	if err != nil {
		t.Fatalf("factory: %v", err)
	}
	if _, err := fn.Invoke(context.Background(), invocation(t, "inv-cfg", 1, `{"status": {"state": "success"}}`)); err != nil {
		t.Fatal(err)
	}
	calls := f.rec.takeCalls()
	requireCalls(t, calls, ghStatus)
	if ua := calls[0].Header.Get("User-Agent"); ua != "codebridge-test" {
		t.Fatalf("User-Agent = %q", ua)
	}

	for _, tc := range []struct{ block, want string }{
		{"provider: github\n    token: t\n    requestTimeout: soon", "requestTimeout"},
		{"provider: github\n    token: t\n    tokn: t", "tokn"},
		{"provider: gitea\n    token: t", "baseURL"},
	} {
		cfg, err := rules.Parse("codebridge.yaml", []byte("functions:\n  bot:\n    type: prcomment\n    "+tc.block+"\n"), nil)
		if err == nil {
			_, err = spec.New("bot", cfg.Functions["bot"].Decode, functions.Deps{})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to name %s", tc.block, err, tc.want)
		}
		t.Log(err)
	}
}
