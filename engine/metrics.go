package engine

import "github.com/prometheus/client_golang/prometheus"

// metrics are the engine's Prometheus series, on a registry of its own so
// that several engines (tests) can live in one process.
type metrics struct {
	reg                *prometheus.Registry
	eventsIngested     *prometheus.CounterVec
	eventsRouted       prometheus.Counter
	ruleErrors         prometheus.Counter
	invocationsCreated prometheus.Counter
	invocations        *prometheus.CounterVec
	invocationSeconds  *prometheus.HistogramVec
	deadLetters        *prometheus.CounterVec
	reloads            *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		eventsIngested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "codebridge_events_ingested_total", Help: "Events stored through the HTTP API, webhooks and sources.",
		}, []string{"via"}),
		eventsRouted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "codebridge_events_routed_total", Help: "Events the router matched against the rules.",
		}),
		ruleErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "codebridge_rule_evaluation_errors_total", Help: "Rule evaluations that failed at run time (treated as no match).",
		}),
		invocationsCreated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "codebridge_invocations_created_total", Help: "Invocations the router stored.",
		}),
		invocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "codebridge_invocations_total", Help: "Invocation attempts by function and outcome (ok, retry, permanent, exhausted).",
		}, []string{"function", "outcome"}),
		invocationSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "codebridge_invocation_duration_seconds", Help: "How long function invocations took.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"function"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "codebridge_dead_letters_total", Help: "Invocations and events stored in CB_DLQ, by reason.",
		}, []string{"function", "reason"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "codebridge_config_reloads_total", Help: "Configuration reloads by result (ok, failed).",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.eventsIngested, m.eventsRouted, m.ruleErrors, m.invocationsCreated,
		m.invocations, m.invocationSeconds, m.deadLetters, m.reloads,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}
