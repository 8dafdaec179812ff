package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Slack attachment colours by outcome (Slack's own "good", "danger" and
// "warning" hues).
const (
	colourSuccess = "#2eb886"
	colourFailure = "#a30200"
	colourInfo    = "#daa038"
)

// Block Kit limits, from Slack's reference for the header, section and
// actions blocks and the button element: texts over them make Slack answer
// 400 invalid_blocks, so they are cut here.
const (
	slackHeaderMax     = 150
	slackSectionMax    = 3000
	slackFieldsMax     = 10
	slackFieldMax      = 2000
	slackButtonTextMax = 75
	slackButtonURLMax  = 3000
	slackElementsMax   = 25
)

// SlackMessage is an incoming-webhook payload: a plain-text fallback and one
// attachment, coloured by outcome, that holds the Block Kit blocks.
type SlackMessage struct {
	Text        string            `json:"text"`
	Attachments []SlackAttachment `json:"attachments"`
}

// SlackAttachment is a secondary attachment: a colour bar and blocks.
type SlackAttachment struct {
	Color    string       `json:"color"`
	Fallback string       `json:"fallback"`
	Blocks   []SlackBlock `json:"blocks"`
}

// SlackBlock is a header, section or actions block.
type SlackBlock struct {
	Type     string         `json:"type"`
	Text     *SlackText     `json:"text,omitempty"`
	Fields   []SlackText    `json:"fields,omitempty"`
	Elements []SlackElement `json:"elements,omitempty"`
}

// SlackText is a text object: plain_text or mrkdwn.
type SlackText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// SlackElement is a link button.
type SlackElement struct {
	Type     string    `json:"type"`
	Text     SlackText `json:"text"`
	URL      string    `json:"url"`
	ActionID string    `json:"action_id"`
}

type slackSender struct {
	raw    string
	redact string
	client *http.Client
}

func newSlack(c SlackConfig) (*slackSender, delivery, error) {
	u, err := checkHTTPURL("slack.webhookURL", c.WebhookURL)
	if err != nil {
		return nil, delivery{}, err
	}
	d, err := c.Delivery.resolve("slack", 10*time.Second)
	if err != nil {
		return nil, delivery{}, err
	}
	return &slackSender{raw: c.WebhookURL, redact: redactURL(u), client: newHTTPClient()}, d, nil
}

// secrets: an incoming webhook's path is its credential.
func (s *slackSender) secrets() []string {
	u, err := url.Parse(s.raw)
	if err != nil {
		return []string{s.raw}
	}
	return []string{s.raw, u.EscapedPath(), u.RawQuery}
}

func (s *slackSender) target(*notification) string { return s.redact }

func (s *slackSender) close() { s.client.CloseIdleConnections() }

func (s *slackSender) send(ctx context.Context, n *notification) error {
	body, err := json.Marshal(slackMessage(n.msg))
	if err != nil {
		return permanentError(fmt.Errorf("encode message: %w", err))
	}
	return post(ctx, s.client, s.raw, s.redact, nil, body)
}

// slackMessage renders m as Block Kit: a header with the title, a section
// with the body, a section of fields and a row of link buttons.
func slackMessage(m message) SlackMessage {
	title := m.Title
	if title == "" {
		title = "codebridge notification"
	}
	blocks := []SlackBlock{{
		Type: "header",
		Text: &SlackText{Type: "plain_text", Text: truncate(title, slackHeaderMax), Emoji: true},
	}}
	if m.Body != "" {
		blocks = append(blocks, SlackBlock{
			Type: "section",
			Text: &SlackText{Type: "mrkdwn", Text: truncate(slackEscape(m.Body), slackSectionMax)},
		})
	}
	if len(m.Fields) > 0 {
		var fs []SlackText
		for _, f := range m.Fields {
			if len(fs) == slackFieldsMax {
				break
			}
			fs = append(fs, SlackText{Type: "mrkdwn", Text: truncate("*"+slackEscape(f.Name)+"*\n"+slackEscape(f.Value), slackFieldMax)})
		}
		blocks = append(blocks, SlackBlock{Type: "section", Fields: fs})
	}
	var buttons []SlackElement
	for i, l := range m.Links {
		if len(buttons) == slackElementsMax {
			break
		}
		if !absoluteHTTP(l.URL) || len(l.URL) > slackButtonURLMax {
			continue // Slack refuses the whole message for one bad URL
		}
		buttons = append(buttons, SlackElement{
			Type:     "button",
			Text:     SlackText{Type: "plain_text", Text: truncate(l.Text, slackButtonTextMax)},
			URL:      l.URL,
			ActionID: fmt.Sprintf("link-%d", i),
		})
	}
	if len(buttons) > 0 {
		blocks = append(blocks, SlackBlock{Type: "actions", Elements: buttons})
	}
	return SlackMessage{
		Text:        title,
		Attachments: []SlackAttachment{{Color: outcomeColour(m.Outcome), Fallback: title, Blocks: blocks}},
	}
}

func outcomeColour(o outcome) string {
	switch o {
	case outcomeSuccess:
		return colourSuccess
	case outcomeFailure:
		return colourFailure
	}
	return colourInfo
}

// slackEscape escapes the three characters mrkdwn gives a meaning to, so
// text from an event (a commit message, an error) cannot mention @channel
// or forge a link.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func absoluteHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
