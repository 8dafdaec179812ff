package notify

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Config is the block of a `type: notify` function. At least one channel is
// required; title and body are CEL string templates shared by the channels.
type Config struct {
	Slack   *SlackConfig   `yaml:"slack"`
	Webhook *WebhookConfig `yaml:"webhook"`
	Email   *EmailConfig   `yaml:"email"`
	NATS    *NATSConfig    `yaml:"nats"`
	// Title and Body are optional CEL expressions over `event` that return a
	// string; without them the defaults for the event type are used.
	Title string `yaml:"title"`
	Body  string `yaml:"body"`
}

// Delivery holds the settings every channel shares.
type Delivery struct {
	// RateLimit is a token bucket refill rate: "N/s", "N/m", "N/h" or "N/<Go
	// duration>" such as "3/10s". Empty means no limit.
	RateLimit string `yaml:"rateLimit"`
	// Burst is the bucket size (default 1).
	Burst int `yaml:"burst"`
	// Retries is how many times a retryable failure (429, 5xx, connection
	// error) is retried within one invocation before the engine takes over
	// (default 2; 0 leaves every retry to the engine).
	Retries *int `yaml:"retries"`
	// Timeout bounds one attempt (default 10s, 30s for email).
	Timeout string `yaml:"timeout"`
}

// SlackConfig posts to a Slack incoming webhook.
type SlackConfig struct {
	// WebhookURL is the incoming webhook's URL; its path is a secret.
	WebhookURL string `yaml:"webhookURL"`
	Delivery   `yaml:",inline"`
}

// WebhookConfig posts a Standard Webhooks signed JSON payload.
type WebhookConfig struct {
	URL string `yaml:"url"`
	// Secret signs the payload: "whsec_<base64 key>" as the Standard Webhooks
	// spec writes it, or any other string used as the key bytes. Empty sends
	// the webhook-id and webhook-timestamp headers without a signature.
	Secret string `yaml:"secret"`
	// Headers are added to every request (an API key, a team tag).
	Headers  map[string]string `yaml:"headers"`
	Delivery `yaml:",inline"`
}

// EmailConfig sends a multipart text + HTML message over SMTP.
type EmailConfig struct {
	Host string `yaml:"host"`
	// Port defaults to 587 for starttls, 465 for implicit and 25 for none.
	Port int `yaml:"port"`
	// TLS is starttls (the default), implicit or none.
	TLS      string `yaml:"tls"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// CAFile is a PEM bundle trusted in addition to the system roots, for a
	// relay with a private certificate authority.
	CAFile string `yaml:"caFile"`
	From   string `yaml:"from"`
	// To are the recipients every message goes to; the invocation input may
	// add more ({"to": [...]}).
	To []string `yaml:"to"`
	// Subject, Text and HTML are optional CEL templates; they default to the
	// title, the body (with fields and links) and an HTML rendering of both.
	Subject  string `yaml:"subject"`
	Text     string `yaml:"text"`
	HTML     string `yaml:"html"`
	Delivery `yaml:",inline"`
}

// NATSConfig publishes to a core NATS subject on the engine's connection.
type NATSConfig struct {
	Subject  string `yaml:"subject"`
	Delivery `yaml:",inline"`
}

// TLS modes of the email channel.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "implicit"
	TLSNone     = "none"
)

// delivery is a Delivery with its defaults applied and its strings parsed.
type delivery struct {
	limiter *rate.Limiter // nil: unlimited
	retries int
	timeout time.Duration
}

func (d Delivery) resolve(field string, defTimeout time.Duration) (delivery, error) {
	out := delivery{retries: 2, timeout: defTimeout}
	if d.Retries != nil {
		if *d.Retries < 0 || *d.Retries > 10 {
			return out, configError(field+".retries", "must be between 0 and 10")
		}
		out.retries = *d.Retries
	}
	if d.Timeout != "" {
		t, err := time.ParseDuration(d.Timeout)
		if err != nil || t <= 0 {
			return out, configError(field+".timeout", fmt.Sprintf("must be a positive duration such as 10s, got %q", d.Timeout))
		}
		out.timeout = t
	}
	if d.Burst < 0 {
		return out, configError(field+".burst", "must not be negative")
	}
	if d.RateLimit == "" {
		if d.Burst != 0 {
			return out, configError(field+".burst", "needs rateLimit")
		}
		return out, nil
	}
	lim, err := parseRate(d.RateLimit)
	if err != nil {
		return out, configError(field+".rateLimit", err.Error())
	}
	burst := d.Burst
	if burst == 0 {
		burst = 1
	}
	out.limiter = rate.NewLimiter(lim, burst)
	return out, nil
}

// parseRate reads "N/unit": 10/s, 30/m, 100/h, 3/10s.
func parseRate(s string) (rate.Limit, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, fmt.Errorf("must be N/s, N/m, N/h or N/<duration>, got %q", s)
	}
	count, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if err != nil || count <= 0 {
		return 0, fmt.Errorf("must start with a positive number, got %q", s)
	}
	var d time.Duration
	switch per = strings.TrimSpace(per); per {
	case "s", "sec", "second":
		d = time.Second
	case "m", "min", "minute":
		d = time.Minute
	case "h", "hour":
		d = time.Hour
	default:
		if d, err = time.ParseDuration(per); err != nil || d <= 0 {
			return 0, fmt.Errorf("unit must be s, m, h or a duration such as 10s, got %q", per)
		}
	}
	return rate.Limit(count / d.Seconds()), nil
}

// checkHTTPURL validates an endpoint without ever echoing it: the URL may
// carry a token.
func checkHTTPURL(field, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, configError(field, "is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, configError(field, "is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, configError(field, "must be an http or https URL")
	}
	if u.Host == "" {
		return nil, configError(field, "must name a host")
	}
	return u, nil
}
