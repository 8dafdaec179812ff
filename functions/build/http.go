package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/functions"
)

// HTTPRoutes implements functions.HTTPProvider. Every instance serves the
// same routes over the shared buckets: mount them once.
func (f *Function) HTTPRoutes() []functions.Route {
	return []functions.Route{
		{Pattern: "GET /api/builds", Handler: http.HandlerFunc(f.handleList)},
		{Pattern: "GET /api/builds/{id}", Handler: http.HandlerFunc(f.handleGet)},
		{Pattern: "GET /api/builds/{id}/logs", Handler: http.HandlerFunc(f.handleLogs)},
		{Pattern: "GET /api/builds/{id}/artifacts", Handler: http.HandlerFunc(f.handleArtifacts)},
		{Pattern: "POST /api/builds/{id}/stop", Handler: http.HandlerFunc(f.handleStop)},
		{Pattern: "GET /badges/{project}/{branch...}", Handler: http.HandlerFunc(f.handleBadge)},
	}
}

// BuildList is the body of GET /api/builds.
type BuildList struct {
	Builds []*Record `json:"builds"`
}

// StopResponse is the body of POST /api/builds/{id}/stop.
type StopResponse struct {
	ID     string `json:"id"`
	Status string `json:"status"` // STOPPING
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// storeOr503 answers 503 when the function has no JetStream.
func (f *Function) storeOr503(w http.ResponseWriter, r *http.Request) *store {
	st, err := f.store(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return nil
	}
	return st
}

func (f *Function) record(w http.ResponseWriter, r *http.Request, st *store) *Record {
	rec, _, err := st.get(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("build %q not found", r.PathValue("id")))
		return nil
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return nil
	}
	return rec
}

func (f *Function) handleList(w http.ResponseWriter, r *http.Request) {
	st := f.storeOr503(w, r)
	if st == nil {
		return
	}
	limit := 50
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit: must be a number from 1 to 1000")
			return
		}
		limit = n
	}
	list, err := st.list(r.Context(), r.URL.Query().Get("project"), limit)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	if list == nil {
		list = []*Record{}
	}
	writeJSON(w, http.StatusOK, BuildList{Builds: list})
}

func (f *Function) handleGet(w http.ResponseWriter, r *http.Request) {
	st := f.storeOr503(w, r)
	if st == nil {
		return
	}
	if rec := f.record(w, r, st); rec != nil {
		writeJSON(w, http.StatusOK, rec)
	}
}

func (f *Function) handleLogs(w http.ResponseWriter, r *http.Request) {
	st := f.storeOr503(w, r)
	if st == nil {
		return
	}
	rec := f.record(w, r, st)
	if rec == nil {
		return
	}
	follow := r.URL.Query().Get("follow") == "1" || r.URL.Query().Get("follow") == "true" ||
		strings.Contains(r.Header.Get("Accept"), "text/event-stream")
	alive := func() bool {
		cur, _, err := st.get(r.Context(), rec.ID)
		return err == nil && !cur.Done()
	}
	if !follow {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := st.readLogs(r.Context(), rec.ID, false, nil, func(line string) error {
			_, err := io.WriteString(w, line+"\n")
			return err
		})
		if err != nil && r.Context().Err() == nil {
			f.log.Warn().Err(err).Str("build", rec.ID).Msg("read build log")
		}
		return
	}
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	status, err := st.readLogs(r.Context(), rec.ID, true, alive, func(line string) error {
		if _, err := fmt.Fprintf(w, "data: %s\n\n", line); err != nil {
			return err
		}
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	})
	if err != nil {
		return
	}
	if status == "" {
		if cur, _, err := st.get(context.WithoutCancel(r.Context()), rec.ID); err == nil {
			status = cur.Status
		}
	}
	fmt.Fprintf(w, "event: end\ndata: %s\n\n", status)
	if flusher != nil {
		flusher.Flush()
	}
}

func (f *Function) handleArtifacts(w http.ResponseWriter, r *http.Request) {
	st := f.storeOr503(w, r)
	if st == nil {
		return
	}
	rec := f.record(w, r, st)
	if rec == nil {
		return
	}
	if rec.Artifacts == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("build %s has no artifacts", rec.ID))
		return
	}
	obj, err := st.artifacts.Get(r.Context(), rec.Artifacts.Object)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("the artifacts of build %s are gone", rec.ID))
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer obj.Close()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.zip"`, keySafe(rec.Artifacts.Name)))
	if rec.Artifacts.Size > 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(rec.Artifacts.Size, 10))
	}
	_, _ = io.Copy(w, obj)
}

func (f *Function) handleStop(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := f.Stop(r.Context(), id)
	switch {
	case err == nil:
		writeJSON(w, http.StatusAccepted, StopResponse{ID: id, Status: "STOPPING"})
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("build %q not found", id))
	case errors.Is(err, ErrNotRunning):
		writeError(w, http.StatusConflict, err.Error())
	default:
		writeError(w, http.StatusServiceUnavailable, err.Error())
	}
}

func (f *Function) handleBadge(w http.ResponseWriter, r *http.Request) {
	project := r.PathValue("project")
	branch, ok := strings.CutSuffix(r.PathValue("branch"), ".svg")
	if !ok || branch == "" {
		writeError(w, http.StatusNotFound, "badge: the path must end in <branch>.svg")
		return
	}
	state := BadgeUnknown
	if st, err := f.store(r.Context()); err == nil {
		var status string
		if err := st.getState(r.Context(), badgeKey(keySafe(project), branch), &status); err == nil {
			state, _ = badgeState(status)
		}
	}
	body := badgeSVG(state)
	tag := etag(body)
	w.Header().Set("Cache-Control", "no-cache, max-age=0")
	w.Header().Set("ETag", tag)
	if r.Header.Get("If-None-Match") == tag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml;charset=utf-8")
	_, _ = w.Write(body)
}
