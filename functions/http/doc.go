// Package http is the "http" function type: it delivers each invocation's
// event to an HTTP endpoint in the CloudEvents HTTP binding's binary content
// mode, and emits the CloudEvent the endpoint answers with, if any.
//
// The event's attributes travel as percent-encoded ce-* headers and its data
// as the body with Content-Type = datacontenttype. When the rule gave an input
// expression, the input (a JSON document) is the body instead, and the
// attributes still describe the event. X-Codebridge-Invocation-Id and
// X-Codebridge-Attempt let the receiver deduplicate redeliveries.
//
// A 2xx answer is success; a reply in binary or structured mode (or a batch)
// is decoded, validated and emitted. 408, 425, 429 and 5xx are retried,
// honouring Retry-After (seconds or an HTTP date); a redirect and any other 4xx
// fail permanently with the status and the start of the body. Connection
// errors are retried. Errors and logs never show the URL's userinfo or query,
// and every configured secret is masked.
//
//	functions:
//	  deploy-hook:
//	    type: http
//	    url: https://deploy.example/hooks/codebridge
//	    method: POST                       # POST (default), PUT or PATCH
//	    headers: { Authorization: "Bearer ${DEPLOY_TOKEN}" }
//	    timeout: 10s                       # the engine's invocation deadline
//	    maxResponseBytes: 1048576          # bound on the reply read
package http
