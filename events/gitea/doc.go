// Package gitea maps Gitea and Forgejo webhook deliveries to codebridge
// catalogue events.
//
// Verify checks X-Gitea-Signature or X-Forgejo-Signature (bare hex
// HMAC-SHA256 of the raw body). Parse reads the event from
// X-Gitea-Event-Type / X-Forgejo-Event-Type (the precise type, such as
// pull_request_review_approved), falling back to X-Gitea-Event /
// X-Forgejo-Event, and maps push, pull_request, review approvals and
// rejections and pull request comments. Payload shapes follow Gitea's
// modules/structs (PushPayload, PullRequestPayload, IssueCommentPayload).
package gitea
