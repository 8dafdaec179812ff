package redact

import "testing"

func TestURL(t *testing.T) {
	cases := map[string]string{
		"https://user:tok@git.example.com/a.git?token=x#frag": "https://git.example.com/a.git",
		"nats://u:p@127.0.0.1:4222":                           "nats://127.0.0.1:4222",
		"/srv/git/app.git":                                    "/srv/git/app.git",
		"git@github.com:acme/app.git":                         "git@github.com:acme/app.git",
		"not a url https://u:p@h/x":                           "not a url https://h/x",
		"":                                                    "",
	}
	for in, want := range cases {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
	if got := URLList("nats://a:b@h1:4222, nats://h2:4222"); got != "nats://h1:4222,nats://h2:4222" {
		t.Errorf("URLList = %q", got)
	}
}
