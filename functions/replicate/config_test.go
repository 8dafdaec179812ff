package replicate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/natstest"
)

func decodeConfig(t *testing.T, src string) (Config, error) {
	t.Helper()
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	return c, dec.Decode(&c)
}

func TestConfigBothTargetForms(t *testing.T) {
	key := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(key, []byte("not really a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := decodeConfig(t, `
targets:
  - file:///srv/mirror.git
  - url: ssh://git@eu.example/app.git
    sshKeyFile: `+key+`
  - { url: "https://us.example/acme/app.git", name: us, token: s3cret }
  - { url: "https://ci:pw@ap.example/app.git" }
repositories: [ "acme/*" ]
timeout: 30m
`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.validate()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, git, redacted, user, token string }{
		{"/srv/mirror.git", "file:///srv/mirror.git", "file:///srv/mirror.git", "", ""},
		{"eu.example/app.git", "ssh://git@eu.example/app.git", "ssh://eu.example/app.git", "git", ""},
		{"us", "https://us.example/acme/app.git", "https://us.example/acme/app.git", defaultTokenUser, "s3cret"},
		{"ap.example/app.git", "https://ap.example/app.git", "https://ap.example/app.git", "ci", "pw"},
	}
	if len(s.targets) != len(want) {
		t.Fatalf("got %d targets", len(s.targets))
	}
	for i, w := range want {
		g := s.targets[i]
		if g.name != w.name || g.url.git != w.git || g.url.redacted != w.redacted || g.url.user != w.user || g.token != w.token {
			t.Errorf("target %d = {name %q git %q redacted %q user %q token %q}, want %+v",
				i, g.name, g.url.git, g.url.redacted, g.url.user, g.token, w)
		}
	}
	if s.targets[1].sshKey != key {
		t.Errorf("ssh key %q", s.targets[1].sshKey)
	}
	if s.timeout.Minutes() != 30 || len(s.repos) != 1 {
		t.Errorf("timeout %v repos %v", s.timeout, s.repos)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name, src, field string
	}{
		{"no targets", `targets: []`, "targets"},
		{"empty url", `targets: [ { name: x } ]`, "targets[0].url"},
		{"relative path", `targets: [ mirror.git ]`, "targets[0].url"},
		{"scp-like", `targets: [ "git@eu.example:app.git" ]`, "targets[0].url"},
		{"ext transport", `targets: [ "ext::sh -c evil" ]`, "targets[0].url"},
		{"unknown scheme", `targets: [ "ftp://x/app.git" ]`, "targets[0].url"},
		{"duplicate name", `targets: [ file:///a.git, { url: file:///b.git, name: /a.git } ]`, "targets[1].name"},
		{"token over http", `targets: [ { url: "http://x/app.git", token: t } ]`, "targets[0].token"},
		{"token for ssh", `targets: [ { url: "ssh://x/app.git", token: t } ]`, "targets[0].token"},
		{"token twice", `targets: [ { url: "https://u:p@x/app.git", token: t } ]`, "targets[0].token"},
		{"key for https", `targets: [ { url: "https://x/app.git", sshKeyFile: /k } ]`, "targets[0].sshKeyFile"},
		{"missing key", `targets: [ { url: "ssh://x/app.git", sshKeyFile: /nonexistent/key } ]`, "targets[0].sshKeyFile"},
		{"username for file", `targets: [ { url: "file:///a.git", username: u } ]`, "targets[0].username"},
		{"bad pattern", "targets: [ file:///a.git ]\nrepositories: [ \"[\" ]", "repositories[0]"},
		{"bad timeout", "targets: [ file:///a.git ]\ntimeout: soon", "timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := decodeConfig(t, tc.src)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			_, err = c.validate()
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want a ConfigError for %s", err, tc.field)
			}
			if strings.Contains(err.Error(), "p@") || strings.Contains(err.Error(), "token: t") {
				t.Errorf("error quotes a secret: %v", err)
			}
		})
	}
}

func TestTargetYAMLRefusesUnknownFields(t *testing.T) {
	for _, src := range []string{
		`targets: [ { url: file:///a.git, tokne: x } ]`,
		`targets: [ [ file:///a.git ] ]`,
		`targets: [ { url: [ a ] } ]`,
	} {
		if _, err := decodeConfig(t, src); err == nil {
			t.Errorf("%s: decoded without error", src)
		}
	}
}

// TestRegistered builds the function through the registry, as the engine
// does, and refuses to build one without JetStream.
func TestRegistered(t *testing.T) {
	js := natstest.Start(t).JS
	spec, err := functions.Lookup(Type)
	if err != nil {
		t.Fatal(err)
	}
	decode := func(src string) func(any) error {
		return func(v any) error {
			dec := yaml.NewDecoder(strings.NewReader(src))
			dec.KnownFields(true)
			return dec.Decode(v)
		}
	}
	deps := functions.Deps{Logger: zerolog.Nop(), DataDir: t.TempDir(), JetStream: js}
	fn, err := spec.New("mirror-eu", decode("targets: [ ssh://git@eu.example/app.git ]\ntimeout: 30m\n"), deps)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fn.(functions.HTTPProvider); !ok {
		t.Error("not an HTTPProvider")
	}
	_ = fn.(functions.Closer).Close()
	if _, err := spec.New("bad", decode("targets: []\n"), deps); !errors.Is(err, ErrConfig) {
		t.Errorf("empty targets: %v", err)
	}
	deps.JetStream = nil
	if _, err := spec.New("nojs", decode("targets: [ file:///a.git ]\n"), deps); err == nil || !strings.Contains(err.Error(), "JetStream") {
		t.Errorf("without JetStream: %v", err)
	}
}
