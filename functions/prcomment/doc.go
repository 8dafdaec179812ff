// Package prcomment is the built-in function type "prcomment": it comments on
// pull requests and sets commit statuses on GitHub (REST v3, also GitHub
// Enterprise Server) and on Gitea and Forgejo (REST API v1).
//
// Configuration (see Config):
//
//	functions:
//	  pr-bot: { type: prcomment, provider: github, token: ${GITHUB_TOKEN} }
//	  forge:  { type: prcomment, provider: gitea, baseURL: https://gitea.example, token: ${GITEA_TOKEN} }
//
// The input (see Input), usually built by the rule target's CEL input
// expression, carries any subset of three actions:
//
//   - comment: post a new markdown comment;
//   - sticky: keep one living comment per (key, pull request), found by a
//     hidden marker and edited in place on every run instead of piling up a
//     new comment per push;
//   - status: set a commit status (pending, success, failure, error).
//
// Every comment the function writes carries the invocation id in a hidden
// HTML comment, "<!-- codebridge:invocation <id> -->"; a sticky comment
// opens with "<!-- codebridge:sticky key=<key> pr=<n> -->" (key and id
// query-escaped). Before posting, the function lists the pull request's
// comments and skips the post when a comment of the same invocation is
// already there, so a retry after a lost reply (the host stored the comment
// and then answered 502) never posts twice. Setting a status is idempotent on
// the host's side.
//
// Host answers map onto the invoker's vocabulary: 401, 403 (not a rate
// limit), 404, 422 and other client errors are permanent (dead-lettered with
// the host's message); 429, 5xx and rate-limit 403 are retried, after the
// host's Retry-After or X-RateLimit-Reset when it gives one. The token never
// appears in an error, a log line or an event.
//
// Each action emits dev.codebridge.notification.sent with the URL of the
// comment or status. The function never emits repository comment events: the
// bot's own comments must not look like a user's and trigger rules again.
package prcomment
