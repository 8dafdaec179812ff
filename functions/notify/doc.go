// Package notify is the built-in "notify" function type: it tells people and
// systems what happened, over any of four channels configured on one function
// instance:
//
//   - webhook: an HTTP POST of a JSON payload signed per the Standard Webhooks
//     specification (webhook-id, webhook-timestamp, webhook-signature);
//   - slack: an incoming-webhook message built from Block Kit blocks (header,
//     body, fields, link buttons) in an attachment coloured by outcome;
//   - email: a multipart text + HTML message over SMTP, with STARTTLS, implicit
//     TLS or none, and PLAIN authentication;
//   - nats: the triggering event in CloudEvents structured JSON, published to a
//     NATS subject for any number of subscribers.
//
// What is said comes from built-in defaults for the failure events (a build
// FAILED or TIMED_OUT, a pipeline FAILED, a replication failure, a dead-lettered
// invocation) and a generic line for anything else; CEL string templates over
// `event` (title, body, and the email's subject, text and html) override them,
// and the invocation input may override the title, the body and the email
// recipients ({"title": ..., "body": ..., "to": [...]}).
//
// One invocation delivers to every configured channel. Each channel has a token
// bucket rate limit and retries 429, 5xx and connection errors a few times in
// line (honouring Retry-After) before handing the retry to the engine; any
// other 4xx is permanent. The outcome of each channel is remembered by
// invocation id, so a retry after a partial failure sends only to the channels
// that have not yet succeeded, and the webhook-id a receiver sees is stable
// across retries. Each channel that delivered yields one
// dev.codebridge.notification.sent event, each one that failed for good a
// dev.codebridge.notification.failed event.
//
// Configuration (every key but one channel is optional):
//
//	functions:
//	  chat:
//	    type: notify
//	    slack:   { webhookURL: ${SLACK_WEBHOOK_URL}, rateLimit: 1/s, burst: 5 }
//	    webhook: { url: https://oncall.example/hook, secret: ${WEBHOOK_SECRET},
//	               headers: { X-Team: infra }, timeout: 10s, retries: 2 }
//	    email:   { host: smtp.example.com, port: 587, tls: starttls,
//	               username: ci, password: ${SMTP_PASSWORD}, caFile: "",
//	               from: ci@example.com, to: [team@example.com],
//	               subject: '<CEL>', text: '<CEL>', html: '<CEL>' }
//	    nats:    { subject: team.alerts }
//	    title: '"Build " + event.data.project + " " + event.data.status'
//	    body: '<CEL>'
//
// testdata/examples/failure-hooks.yaml is a complete configuration that
// routes build, replication and dead-letter failures to these channels.
//
// Secrets (webhook URLs with tokens, signing keys, SMTP passwords) never appear
// in errors, logs or events: destinations are reported as redacted URLs.
package notify
