package prcomment_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	yaml "go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/functions/prcomment"
)

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   prcomment.Config
		field string
	}{
		{"no provider", prcomment.Config{Token: "t"}, "provider"},
		{"unknown provider", prcomment.Config{Provider: "gitlab", Token: "t"}, "provider"},
		{"no token", prcomment.Config{Provider: "github"}, "token"},
		{"token with newline", prcomment.Config{Provider: "github", Token: "a\nb"}, "token"},
		{"gitea needs a base URL", prcomment.Config{Provider: "gitea", Token: "t"}, "baseURL"},
		{"base URL scheme", prcomment.Config{Provider: "gitea", Token: "t", BaseURL: "ftp://gitea.example"}, "baseURL"},
		{"base URL host", prcomment.Config{Provider: "github", Token: "t", BaseURL: "https://"}, "baseURL"},
		{"base URL user", prcomment.Config{Provider: "gitea", Token: "t", BaseURL: "https://bot:pw@gitea.example"}, "baseURL"},
		{"negative timeout", prcomment.Config{Provider: "github", Token: "t", RequestTimeout: -1}, "requestTimeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := prcomment.New("pr-bot", tc.cfg, functions.Deps{Logger: zerolog.Nop()})
			if err == nil {
				t.Fatal("want an error")
			}
			var fe *prcomment.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, prcomment.ErrInvalid) {
				t.Fatalf("error %v, want a FieldError for %q", err, tc.field)
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Fatalf("error carries the URL's password: %v", err)
			}
		})
	}
	if err := (prcomment.Config{Provider: "GitHub", Token: "t"}).Validate(); err != nil {
		t.Fatalf("github with defaults: %v", err)
	}
}

// yamlDecoder decodes a function block the way rules.FunctionConfig.Decode
// does: strict, unknown fields refused.
func yamlDecoder(src string) func(v any) error {
	return func(v any) error {
		dec := yaml.NewDecoder(bytes.NewReader([]byte(src)))
		dec.KnownFields(true)
		return dec.Decode(v)
	}
}

func TestRegisteredFactory(t *testing.T) {
	spec, err := functions.Lookup(prcomment.Type)
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeGitea(t)
	fn, err := spec.New("forge", yamlDecoder("provider: gitea\ntoken: "+gtToken+"\nbaseURL: "+f.srv.URL+"\nrequestTimeout: 5s\nuserAgent: codebridge-test/1\n"), functions.Deps{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatalf("factory: %v", err)
	}
	if _, err := fn.Invoke(context.Background(), invocation(t, "inv-f", 1, `{"status": {"state": "success"}}`)); err != nil {
		t.Fatal(err)
	}
	calls := f.rec.takeCalls()
	requireCalls(t, calls, gtStatus)
	if ua := calls[0].Header.Get("User-Agent"); ua != "codebridge-test/1" {
		t.Fatalf("User-Agent = %q", ua)
	}

	_, err = spec.New("forge", yamlDecoder("provider: gitea\ntokn: x\n"), functions.Deps{})
	if err == nil || !strings.Contains(err.Error(), "tokn") {
		t.Fatalf("unknown field: %v, want it named", err)
	}
	_, err = spec.New("forge", yamlDecoder("provider: gitea\ntoken: x\n"), functions.Deps{})
	if err == nil || !strings.Contains(err.Error(), "baseURL") {
		t.Fatalf("missing baseURL: %v", err)
	}
}
