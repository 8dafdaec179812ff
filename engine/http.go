package engine

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// maxRequestBytes bounds any request body (a batch of events).
const maxRequestBytes = 10 << 20

// routes is the HTTP API (shared/DESIGN.md §6).
func (e *Engine) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /events", e.requireToken(http.HandlerFunc(e.handleEvents)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "ok\n") })
	mux.HandleFunc("GET /readyz", e.handleReady)
	mux.Handle("GET /metrics", promhttp.HandlerFor(e.metrics.reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /api/rules", e.requireToken(http.HandlerFunc(e.handleRules)))
	mux.Handle("GET /api/dlq", e.requireToken(http.HandlerFunc(e.handleDLQList)))
	mux.Handle("GET /api/dlq/{seq}", e.requireToken(http.HandlerFunc(e.handleDLQGet)))
	mux.Handle("POST /api/dlq/{seq}/redrive", e.requireToken(http.HandlerFunc(e.handleDLQRedrive)))
	mux.Handle("POST /api/dlq/redrive", e.requireToken(http.HandlerFunc(e.handleDLQRedriveAll)))
	mux.Handle("DELETE /api/dlq", e.requireToken(http.HandlerFunc(e.handleDLQPurge)))
	mux.Handle("POST /api/replay", e.requireToken(http.HandlerFunc(e.handleReplay)))
	e.mountWebhooks(mux)
	// Instances of one type serve the same routes (they read the same
	// buckets): mount each pattern once.
	mounted := map[string]bool{}
	for _, name := range sortedKeys(e.functions) {
		if p, ok := e.functions[name].(functions.HTTPProvider); ok {
			for _, r := range p.HTTPRoutes() {
				if !mounted[r.Pattern] {
					mounted[r.Pattern] = true
					h := r.Handler
					if strings.Contains(r.Pattern, "/api/") {
						h = e.requireToken(h)
					}
					mux.Handle(r.Pattern, h)
				}
			}
		}
	}
	return mux
}

// handleEvents stores the request's events and answers 202 with their ids,
// only after every PubAck.
func (e *Engine) handleEvents(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, min(maxRequestBytes, e.maxEvent*maxBatch))
	if err != nil {
		writeError(w, err)
		return
	}
	if mt := r.Header.Get("Content-Type"); int64(len(body)) > e.maxEvent && !isBatch(mt) {
		writeError(w, &ingestError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("event is %d bytes, the limit is %d", len(body), e.maxEvent)})
		return
	}
	evs, err := decodeHTTP(r, body, e.maxEvent)
	if err != nil {
		writeError(w, err)
		return
	}
	for i, ev := range evs {
		// The engine's own events (dead letters, scheduler ticks) would let
		// a client fire any scheduled rule or fake a failure.
		if strings.HasPrefix(ev.Type(), events.Namespace+"engine.") {
			writeError(w, badRequest("event %d: type: %s is reserved for the engine", i, ev.Type()))
			return
		}
	}
	ids, err := e.store(r.Context(), evs, "http")
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"ids": ids})
}

// store publishes events and waits for all their PubAcks.
func (e *Engine) store(ctx context.Context, evs []events.Event, via string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	defer cancel()
	ids := make([]string, len(evs))
	futures := make([]jetstream.PubAckFuture, 0, len(evs))
	for i, ev := range evs {
		f, err := e.bus.js.PublishMsgAsync(eventMsg(ev), stallWait)
		if err != nil {
			e.log.Error().Err(err).Str("event", ev.ID()).Msg("store event")
			return nil, errUnavailable
		}
		futures = append(futures, f)
		ids[i] = ev.ID()
	}
	if err := waitAll(ctx, futures); err != nil {
		e.log.Error().Err(err).Int("events", len(evs)).Msg("store events")
		return nil, errUnavailable
	}
	e.metrics.eventsIngested.WithLabelValues(via).Add(float64(len(evs)))
	return ids, nil
}

// errUnavailable answers 503: the sender retries the whole request, and the
// stream's deduplication (Nats-Msg-Id = source + id) stores each event once.
var errUnavailable = &ingestError{status: http.StatusServiceUnavailable, msg: "the event bus cannot store events right now; retry"}

func (e *Engine) handleReady(w http.ResponseWriter, r *http.Request) {
	if !e.ready.Load() || !e.bus.nc.IsConnected() {
		writeText(w, http.StatusServiceUnavailable, "not ready\n")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := e.bus.js.AccountInfo(ctx); err != nil {
		writeText(w, http.StatusServiceUnavailable, "JetStream unavailable\n")
		return
	}
	writeText(w, http.StatusOK, "ready\n")
}

func (e *Engine) handleRules(w http.ResponseWriter, _ *http.Request) {
	type ruleView struct {
		Name     string   `json:"name"`
		Match    string   `json:"match,omitempty"`
		Schedule string   `json:"schedule,omitempty"`
		Disabled bool     `json:"disabled,omitempty"`
		Targets  []string `json:"targets"`
	}
	var out []ruleView
	for _, r := range e.rules.Load().Rules() {
		v := ruleView{Name: r.Spec.Name, Match: r.Spec.Match, Schedule: r.Spec.Schedule, Disabled: r.Spec.Disabled}
		for _, t := range r.Spec.Targets {
			v.Targets = append(v.Targets, t.Function)
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": out})
}

func (e *Engine) handleDLQList(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit <= 0 || limit > 1000 {
		limit = 100
	}
	list, err := e.DLQ().List(r.Context(), after, limit)
	if err != nil {
		writeError(w, err)
		return
	}
	if list == nil {
		list = []DeadLetter{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deadLetters": list})
}

func (e *Engine) handleDLQGet(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeError(w, badRequest("seq: must be a DLQ sequence number"))
		return
	}
	d, err := e.DLQ().Get(r.Context(), seq)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (e *Engine) handleDLQRedrive(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeError(w, badRequest("seq: must be a DLQ sequence number"))
		return
	}
	if err := e.DLQ().Redrive(r.Context(), seq); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"redriven": []uint64{seq}})
}

func (e *Engine) handleDLQRedriveAll(w http.ResponseWriter, r *http.Request) {
	q := e.DLQ()
	// Only the records there now: one that fails again lands past last and
	// is not redriven again in the same request.
	last, err := q.LastSeq(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	done, failed := []uint64{}, map[uint64]string{}
	var after uint64
	for after < last {
		list, err := q.List(r.Context(), after, 100)
		if err != nil {
			writeError(w, err)
			return
		}
		if len(list) == 0 {
			break
		}
		for _, d := range list {
			after = d.Sequence
			if d.Sequence > last {
				break
			}
			if err := q.Redrive(r.Context(), d.Sequence); err != nil {
				failed[d.Sequence] = err.Error()
				continue
			}
			done = append(done, d.Sequence)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"redriven": done, "failed": failed})
}

func (e *Engine) handleDLQPurge(w http.ResponseWriter, r *http.Request) {
	if err := e.DLQ().Purge(r.Context()); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"purged": true})
}

func isBatch(ct string) bool { return len(ct) >= len(ctBatch) && ct[:len(ctBatch)] == ctBatch }

// readBody reads at most limit bytes; more is a 413.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &ingestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body is over the limit of %d bytes", limit)}
	}
	if err != nil {
		return nil, badRequest("read body: %v", err)
	}
	return b, nil
}

func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var ie *ingestError
	switch {
	case errors.As(err, &ie):
		status = ie.status
	case errors.Is(err, events.ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		status = http.StatusNotFound
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeText(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, s)
}

// requireToken guards a route with server.apiToken, when one is set.
func (e *Engine) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := e.cfg.Load().Server.APIToken
		if want != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="codebridge"`)
				writeError(w, &ingestError{status: http.StatusUnauthorized, msg: "missing or wrong API token (Authorization: Bearer ...)"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
