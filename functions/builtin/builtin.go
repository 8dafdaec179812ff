// Package builtin registers every built-in function type. Import it for its
// side effect where functions are built from configuration.
package builtin

import (
	_ "github.com/codebridge/codebridge/functions/build"     // build: buildspec.yml runner
	_ "github.com/codebridge/codebridge/functions/exec"      // exec: run a program
	_ "github.com/codebridge/codebridge/functions/http"      // http: POST the event to a URL
	_ "github.com/codebridge/codebridge/functions/notify"    // notify: webhook, Slack, email, NATS
	_ "github.com/codebridge/codebridge/functions/prcomment" // prcomment: comments and statuses on pull requests
	_ "github.com/codebridge/codebridge/functions/replicate" // replicate: mirror repositories to other regions
)
