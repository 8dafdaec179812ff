package engine

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/gitea"
	"github.com/codebridge/codebridge/events/github"
	"github.com/codebridge/codebridge/events/gitlab"
	"github.com/codebridge/codebridge/events/webhook"
	"github.com/codebridge/codebridge/rules"
)

// provider is one git host's webhook adapter.
type provider struct {
	verify func(h http.Header, body []byte, secrets []string) error
	parse  func(h http.Header, body []byte) ([]events.Event, error)
	source func(c *rules.Config) *rules.WebhookSource
}

var providers = map[string]provider{
	"github": {github.Verify, github.Parse, func(c *rules.Config) *rules.WebhookSource { return c.Sources.GitHub }},
	"gitea":  {gitea.Verify, gitea.Parse, func(c *rules.Config) *rules.WebhookSource { return c.Sources.Gitea }},
	"gitlab": {gitlab.Verify, gitlab.Parse, func(c *rules.Config) *rules.WebhookSource { return c.Sources.GitLab }},
}

// mountWebhooks adds POST /webhooks/{github,gitea,gitlab}.
func (e *Engine) mountWebhooks(mux *http.ServeMux) {
	mux.HandleFunc("POST /webhooks/{provider}", e.handleWebhook)
}

// handleWebhook checks a delivery's authenticity before anything else, maps
// it to catalogue events and answers 2xx only after they are stored. The
// delivery id becomes the event id, so a redelivery is deduplicated.
func (e *Engine) handleWebhook(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("provider")
	p, ok := providers[name]
	if !ok {
		writeError(w, &ingestError{status: http.StatusNotFound, msg: fmt.Sprintf("no webhook provider %q (github, gitea, gitlab)", name)})
		return
	}
	src := p.source(e.cfg.Load())
	secrets := webhookSecrets(src)
	if len(secrets) == 0 {
		writeError(w, &ingestError{status: http.StatusNotFound, msg: fmt.Sprintf("the %s webhook is not configured (sources.%s.secret)", name, name)})
		return
	}
	body, err := readBody(w, r, sizeOr(e.cfg.Load().Server.MaxWebhookBytes, rules.DefaultMaxWebhookBytes))
	if err != nil {
		writeError(w, err)
		return
	}
	if err := p.verify(r.Header, body, secrets); err != nil {
		e.log.Warn().Str("provider", name).Str("remote", r.RemoteAddr).Err(err).Msg("webhook refused")
		writeError(w, &ingestError{status: http.StatusUnauthorized, msg: "signature or token does not match"})
		return
	}
	evs, err := p.parse(r.Header, body)
	switch {
	case errors.Is(err, webhook.ErrPing):
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "ping": true})
		return
	case errors.Is(err, webhook.ErrIgnored):
		writeJSON(w, http.StatusAccepted, map[string]any{"ignored": true, "reason": err.Error()})
		return
	case err != nil:
		writeError(w, badRequest("%v", err))
		return
	}
	for _, ev := range evs {
		if err := events.Validate(ev); err != nil {
			writeError(w, badRequest("%s delivery maps to an invalid event: %v", name, err))
			return
		}
	}
	ids, err := e.store(r.Context(), evs, "webhook/"+name)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"ids": ids})
}

func webhookSecrets(s *rules.WebhookSource) []string {
	if s == nil {
		return nil
	}
	var out []string
	if s.Secret != "" {
		out = append(out, s.Secret)
	}
	for _, v := range s.Secrets {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// sizeOr is limit, or def when the configuration left it zero.
func sizeOr(limit, def int64) int64 {
	if limit > 0 {
		return limit
	}
	return def
}
