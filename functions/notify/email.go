package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"
)

type emailSender struct {
	host     string
	port     int
	mode     string
	username string
	password string
	tls      *tls.Config
	from     *mail.Address
	to       []*mail.Address
	subject  *template
	text     *template
	html     *template
	helo     string
}

func newEmail(c EmailConfig) (*emailSender, delivery, error) {
	s := &emailSender{host: c.Host, port: c.Port, mode: c.TLS, username: c.Username, password: c.Password}
	if s.host == "" {
		return nil, delivery{}, configError("email.host", "is required")
	}
	if strings.ContainsAny(s.host, " /:@") && net.ParseIP(s.host) == nil {
		return nil, delivery{}, configError("email.host", "must be a host name or IP address without port")
	}
	if s.mode == "" {
		s.mode = TLSStartTLS
	}
	switch s.mode {
	case TLSStartTLS:
		s.port = orDefault(s.port, 587)
	case TLSImplicit:
		s.port = orDefault(s.port, 465)
	case TLSNone:
		s.port = orDefault(s.port, 25)
	default:
		return nil, delivery{}, configError("email.tls", fmt.Sprintf("must be %s, %s or %s", TLSStartTLS, TLSImplicit, TLSNone))
	}
	if s.port < 1 || s.port > 65535 {
		return nil, delivery{}, configError("email.port", "must be between 1 and 65535")
	}
	if (s.username == "") != (s.password == "") {
		return nil, delivery{}, configError("email.password", "username and password go together")
	}
	if s.mode == TLSNone && s.username != "" && !isLoopback(s.host) {
		return nil, delivery{}, configError("email.tls", "refusing to send a password without TLS; use starttls or implicit")
	}
	s.tls = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, delivery{}, configError("email.caFile", err.Error())
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, delivery{}, configError("email.caFile", "holds no PEM certificate")
		}
		s.tls.RootCAs = pool
	}
	var err error
	if c.From == "" {
		return nil, delivery{}, configError("email.from", "is required")
	}
	if s.from, err = mail.ParseAddress(c.From); err != nil {
		return nil, delivery{}, configError("email.from", "is not an email address: "+err.Error())
	}
	for i, a := range c.To {
		addr, err := mail.ParseAddress(a)
		if err != nil {
			return nil, delivery{}, configError(fmt.Sprintf("email.to[%d]", i), "is not an email address: "+err.Error())
		}
		s.to = append(s.to, addr)
	}
	if s.subject, err = compileTemplate("email.subject", c.Subject); err != nil {
		return nil, delivery{}, err
	}
	if s.text, err = compileTemplate("email.text", c.Text); err != nil {
		return nil, delivery{}, err
	}
	if s.html, err = compileTemplate("email.html", c.HTML); err != nil {
		return nil, delivery{}, err
	}
	d, err := c.Delivery.resolve("email", 30*time.Second)
	if err != nil {
		return nil, delivery{}, err
	}
	s.helo, _ = os.Hostname()
	if s.helo == "" || strings.ContainsAny(s.helo, " \r\n") {
		s.helo = "localhost"
	}
	return s, d, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// recipients are the configured ones plus the input's, without duplicates.
func (s *emailSender) recipients(n *notification) []*mail.Address {
	var out []*mail.Address
	seen := map[string]bool{}
	add := func(list []*mail.Address) {
		for _, a := range list {
			k := strings.ToLower(a.Address)
			if !seen[k] {
				seen[k] = true
				out = append(out, a)
			}
		}
	}
	add(s.to)
	if n != nil {
		add(n.to)
	}
	return out
}

// target names the relay and how many people were written to; the
// addresses themselves stay out of events.
func (s *emailSender) target(n *notification) string {
	r := len(s.recipients(n))
	unit := "recipients"
	if r == 1 {
		unit = "recipient"
	}
	return fmt.Sprintf("smtp://%s (%d %s)", net.JoinHostPort(s.host, strconv.Itoa(s.port)), r, unit)
}

func (s *emailSender) close() {}

func (s *emailSender) send(ctx context.Context, n *notification) error {
	rcpts := s.recipients(n)
	if len(rcpts) == 0 {
		return permanentError(errors.New("no recipients: set email.to or give input.to"))
	}
	msg, err := s.compose(ctx, n, rcpts)
	if err != nil {
		if ctx.Err() != nil {
			return retryableError(err, 0)
		}
		return permanentError(err)
	}
	conn, err := s.dial(ctx)
	if err != nil {
		return retryableError(fmt.Errorf("connect to %s: %w", s.addr(), err), 0)
	}
	// Unblock any read or write when the attempt's context ends.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if err := s.transact(conn, rcpts, msg); err != nil {
		if ctx.Err() != nil {
			return retryableError(fmt.Errorf("smtp %s: %w", s.addr(), ctx.Err()), 0)
		}
		return err
	}
	return nil
}

func (s *emailSender) addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

func (s *emailSender) dial(ctx context.Context) (net.Conn, error) {
	if s.mode == TLSImplicit {
		d := &tls.Dialer{Config: s.tls}
		return d.DialContext(ctx, "tcp", s.addr())
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.addr())
}

// transact runs one SMTP session: EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA.
func (s *emailSender) transact(conn net.Conn, rcpts []*mail.Address, msg []byte) error {
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return smtpError("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.helo); err != nil {
		return smtpError("EHLO", err)
	}
	if s.mode == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return permanentError(fmt.Errorf("smtp %s does not offer STARTTLS (set email.tls)", s.addr()))
		}
		if err := c.StartTLS(s.tls); err != nil {
			return smtpError("STARTTLS", err)
		}
	}
	if s.username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return permanentError(fmt.Errorf("smtp %s does not offer AUTH", s.addr()))
		}
		if err := c.Auth(smtp.PlainAuth("", s.username, s.password, s.host)); err != nil {
			return smtpError("AUTH", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return smtpError("MAIL FROM", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r.Address); err != nil {
			return smtpError("RCPT TO", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpError("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpError("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpError("DATA", err)
	}
	// The message is accepted once DATA is acknowledged; a failed QUIT must
	// not make the engine send it again.
	_ = c.Quit()
	return nil
}

// smtpError classifies a failed step: a 4xx reply is transient and a 5xx
// reply permanent (RFC 5321 §4.2.1); a broken connection is retried; any
// other error (TLS verification, a client-side refusal) is a configuration
// problem that retrying cannot fix.
func smtpError(step string, err error) error {
	wrapped := fmt.Errorf("smtp %s: %w", step, err)
	var tp *textproto.Error
	if errors.As(err, &tp) {
		if tp.Code >= 400 && tp.Code < 500 {
			return retryableError(wrapped, 0)
		}
		return permanentError(wrapped)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return retryableError(wrapped, 0)
	}
	return permanentError(wrapped)
}
