package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is one codebridge configuration file (shared/DESIGN.md §4).
type Config struct {
	// Path is the file it was loaded from, for error messages and reloads.
	Path      string                    `yaml:"-"`
	Server    ServerConfig              `yaml:"server"`
	NATS      NATSConfig                `yaml:"nats"`
	Engine    EngineConfig              `yaml:"engine"`
	Sources   SourcesConfig             `yaml:"sources"`
	Functions map[string]FunctionConfig `yaml:"functions"`
	Rules     []RuleSpec                `yaml:"rules"`
	// Pipelines is kept as YAML for the pipeline feature to decode.
	Pipelines yaml.Node `yaml:"pipelines"`

	// secrets are the values ${VAR} expanded to, for masking.
	secrets []string
	// set is the compiled rule set.
	set *Set
	// fields are the positions of the decoded fields outside rules, for
	// validation messages.
	fields map[string]Position
}

// Secrets returns the values that ${VAR} references expanded to, so that
// anything writing logs or events can mask them.
func (c *Config) Secrets() []string { return c.secrets }

// RuleSet returns the compiled rules.
func (c *Config) RuleSet() *Set { return c.set }

// DecodePipelines fills v (a pointer, typically to a slice of pipeline
// specs) from the pipelines block the way Parse decodes the rest of the file:
// ${VAR} expanded, unknown fields refused, a *LoadError naming file, line
// and column. An absent block leaves v untouched.
func (c *Config) DecodePipelines(v any) error {
	if c.Pipelines.Kind == 0 {
		return nil
	}
	err := decodeStrict(c.Path, "pipelines", &c.Pipelines, v)
	var le *LoadError
	if errors.As(err, &le) {
		maskSecrets(le.Problems, c.secrets)
	}
	return err
}

// ServerConfig is the server block.
type ServerConfig struct {
	HTTP    string `yaml:"http"`    // default 127.0.0.1:8080
	DataDir string `yaml:"dataDir"` // default ./.codebridge
	// MaxEventBytes caps one ingested event (default 256 KiB, like EventBridge).
	MaxEventBytes int64 `yaml:"maxEventBytes"`
	// MaxWebhookBytes caps one webhook delivery (default 25 MB, GitHub's own
	// limit).
	MaxWebhookBytes int64 `yaml:"maxWebhookBytes"`
	// APIToken, when set, is required as "Authorization: Bearer <token>" on
	// POST /events and /api/*; health, metrics, badges and webhooks (which
	// have their own signatures) stay open.
	APIToken string `yaml:"apiToken"`
}

// NATSConfig is the nats block.
type NATSConfig struct {
	// URL of an existing cluster; empty runs the embedded server.
	URL string `yaml:"url"`
	// Listen is the embedded server's client address; nil means the default
	// 127.0.0.1:4222 and "" means in-process only.
	Listen   *string `yaml:"listen"`
	Replicas int     `yaml:"replicas"` // default 1
	// Credentials file for an external cluster.
	Credentials string `yaml:"credentials"`
}

// EngineConfig tunes the router and invoker.
type EngineConfig struct {
	// HopLimit dead-letters events caused by a chain of more invocations
	// (default 16).
	HopLimit int `yaml:"hopLimit"`
	// EventMaxAge is how long CB_EVENTS keeps events (default 7 days).
	EventMaxAge Duration `yaml:"eventMaxAge"`
	// DuplicateWindow is CB_EVENTS' deduplication window (default 2m).
	DuplicateWindow Duration `yaml:"duplicateWindow"`
	// Retry is the default retry policy of every rule target.
	Retry RetryPolicy `yaml:"retry"`
	// MaxCost is the static CEL cost budget per expression (default 1,000,000)
	// and the runtime limit per evaluation.
	MaxCost uint64 `yaml:"maxCost"`
}

// SourcesConfig is the sources block; the event-source features read it.
type SourcesConfig struct {
	GitHub *WebhookSource `yaml:"github"`
	Gitea  *WebhookSource `yaml:"gitea"`
	GitLab *WebhookSource `yaml:"gitlab"`
	Poll   []PollSource   `yaml:"poll"`
}

// WebhookSource holds a webhook's secrets; more than one allows rotation.
type WebhookSource struct {
	Secret  string   `yaml:"secret"`
	Secrets []string `yaml:"secrets"`
}

// PollSource is one repository watched with git ls-remote.
type PollSource struct {
	Repository string   `yaml:"repository"`
	Interval   Duration `yaml:"interval"`
	Branches   []string `yaml:"branches"`
	Tags       []string `yaml:"tags"`
}

// FunctionConfig is one named function instance. Type and Concurrency belong
// to the engine; the rest of the block belongs to the function type and is
// decoded by its factory through Decode.
type FunctionConfig struct {
	Type string `yaml:"type"`
	// Concurrency is how many invocations run at once across the cluster
	// (JetStream MaxAckPending; default 4).
	Concurrency int `yaml:"concurrency"`
	// Timeout bounds one invocation (default 5m); the function sees it as its
	// context deadline.
	Timeout Duration `yaml:"timeout"`
	// Inline lets the router run the function itself when an event matches
	// it as its only target, skipping the work queue on the first attempt
	// (retries still go through it). For fast functions: lower latency and
	// higher throughput; the concurrency limit then holds per worker.
	Inline bool `yaml:"inline"`

	// node is the block without type/concurrency/timeout, with ${VAR}
	// expanded.
	node *yaml.Node
	// at is "file:line:col" of the block, for errors.
	at string
	// pos is the same place; field is "functions.<name>".
	pos   Position
	field string
	// secrets are masked out of Decode's errors.
	secrets []string
}

// Decode fills v (a function type's config struct) from the block, refusing
// unknown fields; errors name file, line and column.
func (f FunctionConfig) Decode(v any) error {
	if f.node == nil {
		return nil
	}
	err := decodeStrict(f.pos.File, f.field, f.node, v)
	var le *LoadError
	if errors.As(err, &le) {
		maskSecrets(le.Problems, f.secrets)
	}
	return err
}

// At returns "file:line:col" of the function's block, for the messages of
// the engine and the function factories.
func (f FunctionConfig) At() string { return f.at }

// Node returns the function's own block (without type, concurrency and
// timeout), with ${VAR} expanded; nil for a FunctionConfig built in Go.
func (f FunctionConfig) Node() *yaml.Node { return f.node }

// RuleSpec is one rule as written in the file.
type RuleSpec struct {
	Name        string       `yaml:"name"`
	Description string       `yaml:"description"`
	Match       string       `yaml:"match"`
	Schedule    string       `yaml:"schedule"`
	Disabled    bool         `yaml:"disabled"`
	Targets     []TargetSpec `yaml:"targets"`
	Retry       *RetryPolicy `yaml:"retry"`

	// Pos is where the rule starts in the file.
	Pos Position `yaml:"-"`

	// src locates the rule's fields in the file for error positions; nil
	// for a RuleSpec built in Go.
	src *specSource
}

// TargetSpec is one function a rule sends matching events to.
type TargetSpec struct {
	Function string `yaml:"function"`
	// Input is an optional CEL expression whose value is the function's input.
	Input string       `yaml:"input"`
	Retry *RetryPolicy `yaml:"retry"`

	src *specSource
}

// RetryPolicy bounds the retries of one target.
type RetryPolicy struct {
	MaxAttempts int      `yaml:"maxAttempts"` // default 185
	MaxAge      Duration `yaml:"maxAge"`      // default 24h
	BaseDelay   Duration `yaml:"baseDelay"`   // default 1s
	MaxDelay    Duration `yaml:"maxDelay"`    // default 5m
}

// Position is a place in a file.
type Position struct {
	File   string
	Line   int
	Column int
}

// String is "file:line:col"; without a file it is "line:col", without a
// column (YAML syntax errors carry none) "file:line", without a line "file".
func (p Position) String() string {
	s := fmt.Sprintf("%d:%d", p.Line, p.Column)
	if p.Line == 0 && p.File != "" {
		return p.File
	}
	if p.Column == 0 {
		s = fmt.Sprint(p.Line)
	}
	if p.File == "" {
		return s
	}
	return p.File + ":" + s
}

// Duration is a time.Duration that reads "30s", "5m", "24h" (and "7d").
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML reads a Go duration string, with "d" for days.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// ParseDuration is time.ParseDuration with whole days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && fmt.Sprint(days) == n {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use 30s, 5m, 24h or 7d)", s)
	}
	return v, nil
}
