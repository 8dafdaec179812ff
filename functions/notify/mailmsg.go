package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// compose renders the RFC 5322 message: headers, then a multipart/alternative
// body with a text part and an HTML part.
func (s *emailSender) compose(ctx context.Context, n *notification, rcpts []*mail.Address) ([]byte, error) {
	subject := n.msg.Title
	if v, ok, err := s.subject.eval(ctx, n.vars); err != nil {
		return nil, err
	} else if ok {
		subject = v
	}
	text := plainText(n.msg)
	if v, ok, err := s.text.eval(ctx, n.vars); err != nil {
		return nil, err
	} else if ok {
		text = v
	}
	html, err := htmlText(n.msg)
	if err != nil {
		return nil, err
	}
	if v, ok, err := s.html.eval(ctx, n.vars); err != nil {
		return nil, err
	} else if ok {
		html = v
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	to := make([]string, len(rcpts))
	for i, a := range rcpts {
		to[i] = a.String()
	}
	hdr := []struct{ k, v string }{
		{"From", s.from.String()},
		{"To", strings.Join(to, ", ")},
		{"Subject", mime.QEncoding.Encode("utf-8", oneLine(subject))},
		{"Date", time.Now().Format(time.RFC1123Z)},
		{"Message-ID", messageID(n.id, s.from.Address)},
		{"MIME-Version", "1.0"},
		// RFC 3834: an automatic message; vacation responders stay quiet.
		{"Auto-Submitted", "auto-generated"},
		{"Content-Type", `multipart/alternative; boundary="` + mw.Boundary() + `"`},
	}
	for _, h := range hdr {
		fmt.Fprintf(&buf, "%s: %s\r\n", h.k, h.v)
	}
	buf.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", text}, {"text/html", html}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("compose email: %w", err)
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, fmt.Errorf("compose email: %w", err)
		}
		if err := qp.Close(); err != nil {
			return nil, fmt.Errorf("compose email: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("compose email: %w", err)
	}
	return buf.Bytes(), nil
}

// messageID is the same for every attempt of an invocation, so a mail store
// or client that deduplicates by Message-ID shows one message.
func messageID(invocationID, from string) string {
	sum := sha256.Sum256([]byte(invocationID))
	domain := "codebridge.invalid"
	if i := strings.LastIndex(from, "@"); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	return "<" + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
}

// oneLine keeps a header value on one line: a line break in a subject built
// from event data would otherwise start a header of the attacker's choosing.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' || r == 0 {
			return ' '
		}
		return r
	}, s)
	return truncate(strings.TrimSpace(s), 250)
}

func plainText(m message) string {
	var b strings.Builder
	b.WriteString(m.Title)
	b.WriteString("\n\n")
	if m.Body != "" {
		b.WriteString(m.Body)
		b.WriteString("\n\n")
	}
	for _, f := range m.Fields {
		fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
	}
	if len(m.Links) > 0 {
		b.WriteString("\n")
	}
	for _, l := range m.Links {
		fmt.Fprintf(&b, "%s: %s\n", l.Text, l.URL)
	}
	b.WriteString("\n-- \nSent by codebridge\n")
	return b.String()
}

var htmlTmpl = htmltemplate.Must(htmltemplate.New("email").Parse(`<!DOCTYPE html>
<html><body style="font-family: sans-serif">
<div style="border-left: 4px solid {{.Colour}}; padding-left: 12px">
<h2>{{.Title}}</h2>
{{if .Body}}<p style="white-space: pre-wrap">{{.Body}}</p>{{end}}
{{if .Fields}}<table>{{range .Fields}}
<tr><th align="left" style="padding-right: 12px">{{.Name}}</th><td>{{.Value}}</td></tr>{{end}}
</table>{{end}}
{{if .Links}}<p>{{range .Links}}<a href="{{.URL}}">{{.Text}}</a> {{end}}</p>{{end}}
</div>
<p style="color: #888">Sent by codebridge</p>
</body></html>
`))

// htmlText renders m with html/template, which escapes every value taken from
// the event.
func htmlText(m message) (string, error) {
	var links []Link
	for _, l := range m.Links {
		if absoluteHTTP(l.URL) {
			links = append(links, l)
		}
	}
	var b strings.Builder
	err := htmlTmpl.Execute(&b, struct {
		message
		Colour string
		Links  []Link
	}{m, outcomeColour(m.Outcome), links})
	if err != nil {
		return "", fmt.Errorf("compose email: %w", err)
	}
	return b.String(), nil
}
