package engine

import "net/http"

// mountWebhooks adds the git hosts' webhook endpoints.
func (e *Engine) mountWebhooks(mux *http.ServeMux) {}
