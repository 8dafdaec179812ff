package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// Standard Webhooks headers (https://www.standardwebhooks.com, spec v1).
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
	// secretPrefix marks a base64 key in the spec's secret format.
	secretPrefix = "whsec_"
)

// WebhookPayload is the JSON body the webhook channel posts, in the
// type/timestamp/data shape the Standard Webhooks spec recommends.
type WebhookPayload struct {
	Type      string      `json:"type"`
	Timestamp time.Time   `json:"timestamp"`
	Data      WebhookData `json:"data"`
}

// WebhookData is the notification: the rendered message and the event.
type WebhookData struct {
	Title        string       `json:"title"`
	Body         string       `json:"body,omitempty"`
	Outcome      string       `json:"outcome"` // success, failure, info
	Fields       []Field      `json:"fields,omitempty"`
	Links        []Link       `json:"links,omitempty"`
	InvocationID string       `json:"invocationId"`
	Rule         string       `json:"rule,omitempty"`
	Function     string       `json:"function,omitempty"`
	Event        events.Event `json:"event"`
}

type webhookSender struct {
	raw     string
	redact  string
	key     []byte // nil: unsigned
	secret  string
	header  http.Header
	client  *http.Client
	nowFunc func() time.Time
}

// reservedHeaders are set by the channel itself.
var reservedHeaders = map[string]bool{
	HeaderWebhookID: true, HeaderWebhookTimestamp: true, HeaderWebhookSignature: true,
	"content-type": true, "content-length": true, "host": true, "user-agent": true,
}

func newWebhook(c WebhookConfig) (*webhookSender, delivery, error) {
	u, err := checkHTTPURL("webhook.url", c.URL)
	if err != nil {
		return nil, delivery{}, err
	}
	d, err := c.Delivery.resolve("webhook", 10*time.Second)
	if err != nil {
		return nil, delivery{}, err
	}
	s := &webhookSender{raw: c.URL, redact: redactURL(u), header: http.Header{}, client: newHTTPClient(), nowFunc: time.Now, secret: c.Secret}
	if s.key, err = signingKey(c.Secret); err != nil {
		return nil, delivery{}, err
	}
	for k, v := range c.Headers {
		if !functions.ValidHeaderName(k) {
			return nil, delivery{}, configError("webhook.headers", fmt.Sprintf("%q is not a valid header name", k))
		}
		if reservedHeaders[strings.ToLower(k)] {
			return nil, delivery{}, configError("webhook.headers."+k, "is set by the webhook channel")
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, delivery{}, configError("webhook.headers."+k, "must not contain line breaks")
		}
		s.header.Set(k, v)
	}
	return s, d, nil
}

// signingKey reads a "whsec_<base64>" secret as its key bytes, and any other
// non-empty string as the key itself.
func signingKey(secret string) ([]byte, error) {
	if secret == "" {
		return nil, nil
	}
	if b64, ok := strings.CutPrefix(secret, secretPrefix); ok {
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(key) == 0 {
			return nil, configError("webhook.secret", "a whsec_ secret must be followed by a base64 key")
		}
		return key, nil
	}
	return []byte(secret), nil
}

// Sign computes a Standard Webhooks v1 signature: base64 of the HMAC-SHA256
// of "<id>.<timestamp>.<body>" under key. Receivers compare it in constant
// time against each space-separated "v1,<sig>" of the webhook-signature
// header.
func Sign(key []byte, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (s *webhookSender) secrets() []string {
	out := []string{s.secret}
	// The URL may carry a token in its path, query or user information.
	if i := strings.Index(s.raw, "://"); i >= 0 {
		rest := s.raw[i+3:]
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			out = append(out, rest[j:])
		}
		if j := strings.Index(rest, "@"); j >= 0 {
			out = append(out, rest[:j])
		}
	}
	for k, v := range s.header {
		if secretHeader(k) {
			out = append(out, v...)
		}
	}
	return out
}

// secretHeader guesses whether a custom header carries a credential, so its
// value is masked without garbling messages that mention an ordinary value
// such as a team name.
func secretHeader(name string) bool {
	l := strings.ToLower(name)
	for _, w := range []string{"auth", "token", "key", "secret", "signature", "password", "cookie", "session"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

func (s *webhookSender) target(*notification) string { return s.redact }

func (s *webhookSender) close() { s.client.CloseIdleConnections() }

func (s *webhookSender) send(ctx context.Context, n *notification) error {
	now := s.nowFunc()
	body, err := json.Marshal(WebhookPayload{
		Type:      n.inv.Event.Type(),
		Timestamp: now.UTC(),
		Data: WebhookData{
			Title:        n.msg.Title,
			Body:         n.msg.Body,
			Outcome:      n.msg.Outcome.String(),
			Fields:       n.msg.Fields,
			Links:        n.msg.Links,
			InvocationID: n.id,
			Rule:         n.inv.Rule,
			Function:     n.inv.Function,
			Event:        n.inv.Event,
		},
	})
	if err != nil {
		return permanentError(fmt.Errorf("encode payload: %w", err))
	}
	// One id per (invocation, channel), the same on every retry, so the
	// receiver can deduplicate; a fresh timestamp per attempt, as the spec
	// asks, so the receiver's replay window holds.
	id := n.id + ":" + ChannelWebhook
	h := s.header.Clone()
	h.Set(HeaderWebhookID, id)
	h.Set(HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	if s.key != nil {
		h.Set(HeaderWebhookSignature, Sign(s.key, id, now.Unix(), body))
	}
	return post(ctx, s.client, s.raw, s.redact, h, body)
}
