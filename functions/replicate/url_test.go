package replicate

import (
	"strings"
	"testing"
)

func TestParseRepoURL(t *testing.T) {
	tests := []struct {
		in                      string
		git, redacted, key      string
		user, password, wantErr string
	}{
		{in: "/srv/git/app.git", git: "/srv/git/app.git", redacted: "/srv/git/app.git", key: "/srv/git/app.git"},
		{in: "/srv/git/../git/app.git", git: "/srv/git/../git/app.git", redacted: "/srv/git/../git/app.git", key: "/srv/git/app.git"},
		{in: "file:///srv/git/app.git", git: "file:///srv/git/app.git", redacted: "file:///srv/git/app.git", key: "/srv/git/app.git"},
		{in: "https://Git.Example.com/acme/app.git", git: "https://Git.Example.com/acme/app.git", redacted: "https://git.example.com/acme/app.git", key: "https://git.example.com/acme/app.git"},
		{in: "https://bot:s3cret@git.example.com/app.git", git: "https://git.example.com/app.git", redacted: "https://git.example.com/app.git", key: "https://git.example.com/app.git", user: "bot", password: "s3cret"},
		{in: "https://bot@git.example.com/app.git", git: "https://bot@git.example.com/app.git", redacted: "https://git.example.com/app.git", key: "https://git.example.com/app.git", user: "bot"},
		{in: "ssh://git@eu.example:2222/app.git", git: "ssh://git@eu.example:2222/app.git", redacted: "ssh://eu.example:2222/app.git", key: "ssh://eu.example:2222/app.git", user: "git"},
		{in: "git://127.0.0.1:9418/app.git", git: "git://127.0.0.1:9418/app.git", redacted: "git://127.0.0.1:9418/app.git", key: "git://127.0.0.1:9418/app.git"},
		{in: "", wantErr: "required"},
		{in: "-oProxyCommand=x", wantErr: "'-'"},
		{in: "app.git", wantErr: "absolute path"},
		{in: "git@eu.example:app.git", wantErr: "absolute path"},
		{in: "ext::sh -c touch% /tmp/x", wantErr: "absolute path"},
		{in: "fd::17", wantErr: "absolute path"},
		{in: "/srv/a\nb", wantErr: "control"},
		{in: "ftp://x/app.git", wantErr: "not supported"},
		{in: "ssh://-oProxyCommand=x/app.git", wantErr: "host"},
		{in: "ssh://-x@host/app.git", wantErr: "user name"},
		{in: "ssh://u:pw@host/app.git", wantErr: "only used with http"},
		{in: "https://host/app.git?private_token=x", wantErr: "query"},
		{in: "file://remote/srv/app.git", wantErr: "local path"},
		{in: "file://relative", wantErr: "local path"},
		{in: "https:///app.git", wantErr: "host"},
		{in: "https://u:p@[::1/app.git", wantErr: "not a valid URL"},
	}
	for _, tc := range tests {
		got, err := parseRepoURL(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseRepoURL(%q) err = %v, want one mentioning %q", tc.in, err, tc.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), "p@") || strings.Contains(err.Error(), "pw")) {
				t.Errorf("parseRepoURL(%q) error quotes the password: %v", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseRepoURL(%q): %v", tc.in, err)
			continue
		}
		if got.git != tc.git || got.redacted != tc.redacted || got.key != tc.key || got.user != tc.user || got.password != tc.password {
			t.Errorf("parseRepoURL(%q) = {git %q redacted %q key %q user %q password %q}, want %+v",
				tc.in, got.git, got.redacted, got.key, got.user, got.password, tc)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:tok@host/app.git", "https://host/app.git"},
		{"https://host/app.git?private_token=x#frag", "https://host/app.git"},
		{"ssh://git@host/app.git", "ssh://host/app.git"},
		{"/srv/app.git", "/srv/app.git"},
		{"fatal: unable to access 'https://bot:tok@host/app.git/': 403", "fatal: unable to access 'https://host/app.git/': 403"},
	}
	for _, tc := range tests {
		if got := RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	m := newMasker([]string{"hunter2", ""}, []string{"hunter2abc"})
	if got := m.mask("pw hunter2abc and hunter2 at https://u:hunter2@h/x"); got != "pw *** and *** at https://h/x" {
		t.Errorf("mask = %q", got)
	}
}

func TestDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"ssh://git@eu.example/app.git": "eu.example/app.git",
		"file:///srv/mirror.git":       "/srv/mirror.git",
		"/srv/mirror.git":              "/srv/mirror.git",
		"https://u:p@h:8443/a/b.git/":  "h:8443/a/b.git",
	} {
		if got := displayName(in); got != want {
			t.Errorf("displayName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	if got := shellQuote("/keys/it's mine"); got != `'/keys/it'\''s mine'` {
		t.Errorf("shellQuote = %s", got)
	}
}

func FuzzParseRepoURL(f *testing.F) {
	for _, s := range []string{"/srv/a.git", "https://u:p@h/a.git", "ssh://git@h:22/a", "git://h/a", "file:///a", "-x", "ext::sh", "h:a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseRepoURL(s)
		if err != nil {
			return
		}
		if strings.HasPrefix(u.git, "-") || u.key == "" {
			t.Fatalf("accepted %q as %+v", s, u)
		}
		if u.password != "" && (strings.Contains(u.git, ":"+u.password+"@") || strings.Contains(u.redacted, ":"+u.password+"@")) {
			t.Fatalf("password of %q left in %q / %q", s, u.git, u.redacted)
		}
		if strings.Contains(u.redacted, "@") && strings.Contains(s, "://") && u.user != "" && strings.Contains(u.redacted, u.user+"@") {
			t.Fatalf("user of %q left in %q", s, u.redacted)
		}
	})
}
