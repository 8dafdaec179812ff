package notify

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// mailServer is a real SMTP server (github.com/emersion/go-smtp) in the test
// process: it requires AUTH PLAIN when user is set and records each message
// with whether it came over TLS.
type mailServer struct {
	addr string
	port int
	user string
	pass string

	mu       sync.Mutex
	msgs     []mailMsg
	rcptFail *smtp.SMTPError // answer every RCPT with this, when set
}

type mailMsg struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

type mailSession struct {
	srv  *mailServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *mailServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &mailSession{srv: s, conn: c}, nil
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	fail := s.srv.rcptFail
	s.srv.mu.Unlock()
	if fail != nil {
		return fail
	}
	s.to = append(s.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.msgs = append(s.srv.msgs, mailMsg{From: s.from, To: s.to, Data: b, TLS: isTLS, User: s.user})
	return nil
}

func (s *mailSession) Reset()        { s.from, s.to = "", nil }
func (s *mailSession) Logout() error { return nil }

func (s *mailServer) messages() []mailMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mailMsg(nil), s.msgs...)
}

// startMail serves SMTP on 127.0.0.1: mode "starttls" offers STARTTLS,
// "implicit" wraps the listener in TLS, "none" offers neither.
func startMail(t *testing.T, mode string, ca testCA, user, pass string) *mailServer {
	t.Helper()
	ms := &mailServer{user: user, pass: pass}
	srv := smtp.NewServer(ms)
	srv.Domain = "localhost"
	// Over plain TCP only the loopback test of "none" authenticates.
	srv.AllowInsecureAuth = mode == TLSNone
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case TLSStartTLS:
		srv.TLSConfig = ca.serverConfig()
	case TLSImplicit:
		ln = tls.NewListener(ln, ca.serverConfig())
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	ms.addr = ln.Addr().String()
	ms.port = ln.Addr().(*net.TCPAddr).Port
	return ms
}

// parsed is a received message split into headers and its two parts.
type parsed struct {
	msg  *mail.Message
	text string
	html string
}

func parseMail(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, data)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q", m.Header.Get("Content-Type"))
	}
	p := parsed{msg: m}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part)
		switch ct := part.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain"):
			p.text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			p.html = string(b)
		}
	}
	return p
}

func TestEmailModes(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		mode    string
		user    string
		wantTLS bool
	}{
		{TLSStartTLS, "ci", true},
		{TLSImplicit, "ci", true},
		{TLSNone, "", false},
		{TLSNone, "ci", false}, // allowed only because the relay is on loopback
	}
	for _, tt := range tests {
		t.Run(tt.mode+"/"+tt.user, func(t *testing.T) {
			pass := ""
			if tt.user != "" {
				pass = "smtp-pa55word"
			}
			ms := startMail(t, tt.mode, ca, tt.user, pass)
			n := build(t, fmt.Sprintf(`
email:
  host: 127.0.0.1
  port: %d
  tls: %s
  username: %q
  password: %q
  caFile: %s
  from: "codebridge <cb@example.com>"
  to: [team@example.com, ops@example.com]
`, ms.port, tt.mode, tt.user, pass, ca.file), functions.Deps{})
			res, err := invoke(t, n, invocation(t, "inv-mail", buildFailed(t), `{"to": ["dev@example.com", "team@example.com"]}`))
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			msgs := ms.messages()
			if len(msgs) != 1 {
				t.Fatalf("got %d messages", len(msgs))
			}
			got := msgs[0]
			if got.TLS != tt.wantTLS || got.User != tt.user || got.From != "cb@example.com" {
				t.Errorf("TLS %v user %q from %q", got.TLS, got.User, got.From)
			}
			if strings.Join(got.To, ",") != "team@example.com,ops@example.com,dev@example.com" {
				t.Errorf("recipients = %v (config then input, without duplicates)", got.To)
			}
			p := parseMail(t, got.Data)
			h := p.msg.Header
			if h.Get("Subject") != "Build app #42 FAILED" {
				t.Errorf("Subject = %q", h.Get("Subject"))
			}
			if _, err := h.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
			if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
				t.Errorf("Message-ID = %q", id)
			}
			if h.Get("MIME-Version") != "1.0" || h.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("headers = %v", h)
			}
			mustContain(t, p.text, "Build app #42 FAILED", "Repository: acme/app", "View log: https://ci.example/builds/app:42/logs")
			mustContain(t, p.html, "<h2>Build app #42 FAILED</h2>", `href="https://ci.example/builds/app:42/logs"`, colourFailure)
			nd := notificationData(t, res)
			if tg := nd["email/sent"].Target; tg != fmt.Sprintf("smtp://127.0.0.1:%d (3 recipients)", ms.port) {
				t.Errorf("target = %q", tg)
			}
		})
	}
}

func TestEmailTemplatesAndInjection(t *testing.T) {
	ms := startMail(t, TLSNone, testCA{}, "", "")
	n := build(t, fmt.Sprintf(`
email:
  host: 127.0.0.1
  port: %d
  tls: none
  from: cb@example.com
  subject: '"[" + event.data.project + "] " + event.data.message'
  text: '"Build " + string(event.data.buildNumber) + " of " + event.data.project'
  html: '"<p>" + event.data.status + "</p>"'
`, ms.port), functions.Deps{})
	ev := mustEvent(t, events.BuildStateChanged, "b", events.BuildStateData{
		BuildID: "x:7", BuildNumber: 7, Project: "x", Status: events.BuildFailed,
		Message: "oops\r\nBcc: victim@example.com",
	})
	if _, err := invoke(t, n, invocation(t, "inv-tmpl", ev, `{"to": "dev@example.com"}`)); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages", len(msgs))
	}
	p := parseMail(t, msgs[0].Data)
	if s := p.msg.Header.Get("Subject"); s != "[x] oops  Bcc: victim@example.com" {
		t.Errorf("Subject = %q", s)
	}
	if b := p.msg.Header.Get("Bcc"); b != "" {
		t.Errorf("header injected: Bcc %q", b)
	}
	if p.text != "Build 7 of x" || p.html != "<p>FAILED</p>" {
		t.Errorf("text %q html %q", p.text, p.html)
	}
	if strings.Join(msgs[0].To, ",") != "dev@example.com" {
		t.Errorf("To = %v", msgs[0].To)
	}
}

func TestEmailFailures(t *testing.T) {
	ca := newTestCA(t)
	t.Run("wrong password is permanent and masked", func(t *testing.T) {
		ms := startMail(t, TLSStartTLS, ca, "ci", "right-password")
		n := build(t, fmt.Sprintf("email: {host: 127.0.0.1, port: %d, username: ci, password: wrong-password, caFile: %s, from: cb@example.com, to: [a@example.com]}", ms.port, ca.file), functions.Deps{})
		_, err := invoke(t, n, invocation(t, "inv-auth", buildFailed(t), ""))
		if !functions.IsPermanent(err) {
			t.Fatalf("want permanent, got %v", err)
		}
		t.Logf("error: %v", err)
		mustContain(t, err.Error(), "535")
		if strings.Contains(err.Error(), "wrong-password") {
			t.Errorf("error leaks the password: %v", err)
		}
	})
	t.Run("untrusted certificate is permanent", func(t *testing.T) {
		ms := startMail(t, TLSStartTLS, ca, "", "")
		n := build(t, fmt.Sprintf("email: {host: 127.0.0.1, port: %d, from: cb@example.com, to: [a@example.com]}", ms.port), functions.Deps{})
		_, err := invoke(t, n, invocation(t, "inv-cert", buildFailed(t), ""))
		if !functions.IsPermanent(err) {
			t.Fatalf("want permanent, got %v", err)
		}
	})
	t.Run("4xx reply is retryable, 5xx permanent", func(t *testing.T) {
		ms := startMail(t, TLSNone, ca, "", "")
		n := build(t, fmt.Sprintf("email: {host: 127.0.0.1, port: %d, tls: none, retries: 0, from: cb@example.com, to: [a@example.com]}", ms.port), functions.Deps{})
		ms.mu.Lock()
		ms.rcptFail = &smtp.SMTPError{Code: 451, Message: "try later"}
		ms.mu.Unlock()
		if _, err := invoke(t, n, invocation(t, "inv-4xx", buildFailed(t), "")); !isRetryable(err) {
			t.Fatalf("451: want retryable, got %v", err)
		}
		ms.mu.Lock()
		ms.rcptFail = &smtp.SMTPError{Code: 550, Message: "no such user"}
		ms.mu.Unlock()
		if _, err := invoke(t, n, invocation(t, "inv-4xx", buildFailed(t), "")); !functions.IsPermanent(err) {
			t.Fatalf("550: want permanent, got %v", err)
		}
	})
	t.Run("no recipients is permanent", func(t *testing.T) {
		n := build(t, "email: {host: 127.0.0.1, port: 1, tls: none, from: cb@example.com}", functions.Deps{})
		_, err := invoke(t, n, invocation(t, "inv-none", buildFailed(t), ""))
		if !functions.IsPermanent(err) {
			t.Fatalf("want permanent, got %v", err)
		}
		mustContain(t, err.Error(), "no recipients")
	})
	t.Run("bad input address is permanent", func(t *testing.T) {
		n := build(t, "email: {host: 127.0.0.1, port: 1, tls: none, from: cb@example.com}", functions.Deps{})
		_, err := invoke(t, n, invocation(t, "inv-bad", buildFailed(t), `{"to": ["not an address"]}`))
		if !functions.IsPermanent(err) {
			t.Fatalf("want permanent, got %v", err)
		}
		mustContain(t, err.Error(), "input.to[0]")
	})
}
