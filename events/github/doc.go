// Package github maps GitHub webhook deliveries to codebridge catalogue
// events.
//
// Verify checks X-Hub-Signature-256 (HMAC-SHA256 of the raw body); Parse maps
// push, pull_request, pull_request_review, issue_comment (on a pull request)
// and commit_comment deliveries, answers ping with webhook.ErrPing and
// everything else with webhook.ErrIgnored. The payload shapes follow GitHub's
// "Webhook events and payloads" documentation.
package github
