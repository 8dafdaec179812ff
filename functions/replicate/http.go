package replicate

import (
	"encoding/json"
	"net/http"

	"github.com/codebridge/codebridge/functions"
)

// HTTPRoutes serves the replication status for `codebridge replicate
// status`: GET /api/replication answers {"targets": [TargetStatus...]},
// optionally narrowed with ?function=NAME and ?repository=URL. Every
// replicate instance reads the same bucket, so the route is the same for
// all of them.
func (f *Function) HTTPRoutes() []functions.Route {
	return []functions.Route{{Pattern: "GET /api/replication", Handler: http.HandlerFunc(f.serveStatus)}}
}

func (f *Function) serveStatus(w http.ResponseWriter, r *http.Request) {
	list, err := Status(r.Context(), f.js)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		return
	}
	fn, repo := r.URL.Query().Get("function"), r.URL.Query().Get("repository")
	if u, err := parseRepoURL(repo); err == nil {
		repo = u.key // file:///x and /x are one source
	}
	out := list[:0]
	for _, s := range list {
		if fn != "" && s.Function != fn {
			continue
		}
		if u, err := parseRepoURL(s.Repository); repo != "" && (err != nil || u.key != repo) {
			continue
		}
		out = append(out, s)
	}
	writeJSON(w, http.StatusOK, map[string]any{"targets": out})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
