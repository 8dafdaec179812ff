package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Defaults of the configuration file (shared/DESIGN.md §4).
const (
	DefaultHTTP            = "127.0.0.1:8080"
	DefaultDataDir         = "./.codebridge"
	DefaultMaxEventBytes   = 256 << 10
	DefaultMaxWebhookBytes = 25 << 20
	DefaultNATSListen      = "127.0.0.1:4222"
	DefaultReplicas        = 1
	DefaultHopLimit        = 16
	DefaultEventMaxAge     = 7 * 24 * time.Hour
	DefaultDuplicateWindow = 2 * time.Minute
	DefaultMaxAttempts     = 185
	DefaultMaxAge          = 24 * time.Hour
	DefaultBaseDelay       = time.Second
	DefaultMaxDelay        = 5 * time.Minute
	DefaultMaxCost         = 1_000_000
	DefaultConcurrency     = 4
	DefaultTimeout         = 5 * time.Minute
)

// DefaultRetry is the retry policy of a target that sets none.
func DefaultRetry() RetryPolicy {
	return RetryPolicy{
		MaxAttempts: DefaultMaxAttempts,
		MaxAge:      Duration(DefaultMaxAge),
		BaseDelay:   Duration(DefaultBaseDelay),
		MaxDelay:    Duration(DefaultMaxDelay),
	}
}

// orDefault fills the zero fields of p from def.
func (p RetryPolicy) orDefault(def RetryPolicy) RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = def.MaxAttempts
	}
	if p.MaxAge == 0 {
		p.MaxAge = def.MaxAge
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = def.BaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = def.MaxDelay
	}
	return p
}

// problems returns what is wrong with a (possibly partial) policy: zero
// fields are unset, negative ones are refused.
func (p RetryPolicy) problems() []string {
	var out []string
	if p.MaxAttempts < 0 {
		out = append(out, "maxAttempts must be positive")
	}
	for _, f := range []struct {
		name string
		d    Duration
	}{{"maxAge", p.MaxAge}, {"baseDelay", p.BaseDelay}, {"maxDelay", p.MaxDelay}} {
		if f.d < 0 {
			out = append(out, f.name+" must be positive")
		}
	}
	if p.BaseDelay > 0 && p.MaxDelay > 0 && p.BaseDelay > p.MaxDelay {
		out = append(out, "baseDelay must not exceed maxDelay")
	}
	return out
}

// withDefaults returns the engine block with defaults for its zero fields.
func (e EngineConfig) withDefaults() EngineConfig {
	if e.HopLimit == 0 {
		e.HopLimit = DefaultHopLimit
	}
	if e.EventMaxAge == 0 {
		e.EventMaxAge = Duration(DefaultEventMaxAge)
	}
	if e.DuplicateWindow == 0 {
		e.DuplicateWindow = Duration(DefaultDuplicateWindow)
	}
	if e.MaxCost == 0 {
		e.MaxCost = DefaultMaxCost
	}
	e.Retry = e.Retry.orDefault(DefaultRetry())
	return e
}

func (c *Config) applyDefaults() {
	if c.Server.HTTP == "" {
		c.Server.HTTP = DefaultHTTP
	}
	if c.Server.DataDir == "" {
		c.Server.DataDir = DefaultDataDir
	}
	if c.Server.MaxEventBytes == 0 {
		c.Server.MaxEventBytes = DefaultMaxEventBytes
	}
	if c.Server.MaxWebhookBytes == 0 {
		c.Server.MaxWebhookBytes = DefaultMaxWebhookBytes
	}
	if c.NATS.Listen == nil {
		l := DefaultNATSListen
		c.NATS.Listen = &l
	}
	if c.NATS.Replicas == 0 {
		c.NATS.Replicas = DefaultReplicas
	}
	// The engine's retry policy is validated before its defaults hide
	// negative values.
	c.Engine = c.Engine.withDefaults()
	for name, f := range c.Functions {
		if f.Concurrency == 0 {
			f.Concurrency = DefaultConcurrency
		}
		// A zero Timeout stays zero: the engine then uses the function
		// type's own default (a build needs longer than a notification),
		// or DefaultTimeout.
		c.Functions[name] = f
	}
}

// functionName is what a function may be called: it becomes a NATS subject
// token (cb.invoke.<function>) and part of a durable consumer name.
var functionName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// validate checks everything but the rules (Compile checks those).
func (c *Config) validate(ps *problems) {
	if c.Server.MaxEventBytes < 0 {
		ps.addf(c.pos("server.maxEventBytes"), "", "server.maxEventBytes", "must be positive")
	}
	if c.Server.MaxWebhookBytes < 0 {
		ps.addf(c.pos("server.maxWebhookBytes"), "", "server.maxWebhookBytes", "must be positive")
	}
	if c.NATS.Replicas < 0 || c.NATS.Replicas > 5 {
		ps.addf(c.pos("nats.replicas"), "", "nats.replicas", "must be between 1 and 5, got %d", c.NATS.Replicas)
	}
	if c.Engine.HopLimit < 0 {
		ps.addf(c.pos("engine.hopLimit"), "", "engine.hopLimit", "must be positive")
	}
	if c.Engine.EventMaxAge < 0 {
		ps.addf(c.pos("engine.eventMaxAge"), "", "engine.eventMaxAge", "must be positive")
	}
	if c.Engine.DuplicateWindow < 0 {
		ps.addf(c.pos("engine.duplicateWindow"), "", "engine.duplicateWindow", "must be positive")
	}
	for _, m := range c.Engine.Retry.problems() {
		ps.addf(c.pos("engine.retry"), "", "engine.retry", "%s", m)
	}
	names := make([]string, 0, len(c.Functions))
	for name := range c.Functions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := c.Functions[name]
		field := "functions." + name
		if !functionName.MatchString(name) {
			ps.addf(f.pos, "", field, "a function name is letters, digits, - and _, starting with a letter or digit")
		}
		if strings.TrimSpace(f.Type) == "" && f.node != nil {
			ps.addf(f.pos, "", field+".type", "is required")
		}
		if f.Concurrency < 0 {
			ps.addf(f.pos, "", field+".concurrency", "must be positive")
		}
		if f.Timeout < 0 {
			ps.addf(f.pos, "", field+".timeout", "must be positive")
		}
	}
	for i, p := range c.Sources.Poll {
		if p.Repository == "" {
			ps.addf(c.pos(fmt.Sprintf("sources.poll[%d]", i)), "", fmt.Sprintf("sources.poll[%d].repository", i), "is required")
		}
		if p.Interval < 0 {
			ps.addf(c.pos(fmt.Sprintf("sources.poll[%d].interval", i)), "", fmt.Sprintf("sources.poll[%d].interval", i), "must be positive")
		}
	}
}

// pos returns where field was in the file (or just the file).
func (c *Config) pos(field string) Position {
	if p, ok := c.fields[field]; ok {
		return p
	}
	return Position{File: c.Path}
}
