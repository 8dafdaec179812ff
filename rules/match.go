package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/google/cel-go/common/types"

	"github.com/codebridge/codebridge/events"
)

// Match is one (rule, target) an event matched, with the target's input.
type Match struct {
	Rule   string
	Target int // index into the rule's targets
	// Function is the target's function name.
	Function string
	// Input is the target's input expression's value as JSON; nil when the
	// target has no input expression and the input is the event itself
	// (InputIsEvent; InputFor writes it). The router forwards the event
	// anyway, so encoding it here would be wasted on the hot path.
	Input json.RawMessage
	// InputIsEvent says the input is the event in CloudEvents JSON form.
	InputIsEvent bool
	// Retry is the effective retry policy (target, then rule, then engine
	// defaults).
	Retry RetryPolicy
	// Context is the "context" map of the input, when the input is a map
	// that has one; the invoker hands it to the events the function emits
	// (events.MarkCaused) so that a later rule can answer on the same pull
	// request.
	Context map[string]any
}

// InputFor is the function's input for event e: Input, or the event in
// CloudEvents JSON form when InputIsEvent.
func (m Match) InputFor(e events.Event) json.RawMessage {
	if m.InputIsEvent {
		return events.AppendJSON(nil, e)
	}
	return m.Input
}

// Match returns every (rule, target) that e matches, in rule order, and the
// rules whose evaluation failed (*EvalError; a cancelled ctx stops matching
// and adds ctx's error). Only the rules the index selects for e and the rules
// it cannot index are evaluated.
func (s *Set) Match(ctx context.Context, e events.Event) ([]Match, []error) {
	if s == nil || len(s.rules) == 0 {
		return nil, nil
	}
	a := newActivation(e)
	defer a.release()
	c := a.cands[:0]
	sources := 0
	for i := range s.idx.paths {
		p := &s.idx.paths[i]
		v, ok := a.lookup(p.path)
		if !ok {
			continue
		}
		if rs := p.byValue[v]; len(rs) > 0 {
			c = append(c, rs...)
			sources++
		}
	}
	if len(s.idx.always) > 0 {
		c = append(c, s.idx.always...)
		sources++
	}
	if sources > 1 {
		// Each rule is in exactly one list, so merging needs no
		// deduplication, only file order.
		slices.Sort(c)
	}
	a.cands = c
	var out []Match
	var errs []error
	for _, ri := range c {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("rules: match: %w", err))
			break
		}
		out, errs = s.rules[ri].eval(a, out, errs)
	}
	return out, errs
}

// MatchAll is Match without the index: it evaluates every rule. It returns
// the same matches as Match, and may report more evaluation errors (a rule
// the index skips cannot match, but evaluating it may fail).
func (s *Set) MatchAll(ctx context.Context, e events.Event) ([]Match, []error) {
	if s == nil {
		return nil, nil
	}
	a := newActivation(e)
	defer a.release()
	var out []Match
	var errs []error
	for _, r := range s.rules {
		if !r.active() {
			continue
		}
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("rules: match: %w", err))
			break
		}
		out, errs = r.eval(a, out, errs)
	}
	return out, errs
}

// Fire returns the rule's targets with their inputs for e without
// evaluating the match: for the scheduler, which fires scheduled rules with
// a synthetic event, and for replaying an event to one rule.
func (r *Rule) Fire(ctx context.Context, e events.Event) ([]Match, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("rules: fire %s: %w", r.Spec.Name, err)
	}
	a := newActivation(e)
	defer a.release()
	out, err := r.targetsFor(a, nil)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eval evaluates the rule for a, appending its matches or its error.
func (r *Rule) eval(a *activation, out []Match, errs []error) ([]Match, []error) {
	if !r.active() {
		return out, errs
	}
	v, _, err := r.match.prog.Eval(a)
	if err != nil {
		return out, append(errs, &EvalError{Rule: r.Spec.Name, Field: "match", Err: err})
	}
	b, ok := v.(types.Bool)
	if !ok {
		return out, append(errs, &EvalError{Rule: r.Spec.Name, Field: "match", Err: fmt.Errorf("got a %s, want a bool", v.Type().TypeName())})
	}
	if !b {
		return out, errs
	}
	out, err = r.targetsFor(a, out)
	if err != nil {
		errs = append(errs, err)
	}
	return out, errs
}

// targetsFor appends one Match per target. When an input fails, the rule
// adds none: a rule fans out to all its targets or to none.
func (r *Rule) targetsFor(a *activation, out []Match) ([]Match, error) {
	start := len(out)
	for i := range r.targets {
		t := &r.targets[i]
		m := Match{Rule: r.Spec.Name, Target: i, Function: t.function, Retry: t.retry}
		if t.input == nil {
			m.InputIsEvent = true
		} else {
			in, ctxMap, err := evalInput(t.input, a)
			if err != nil {
				return out[:start], &EvalError{Rule: r.Spec.Name, Field: t.field, Err: err}
			}
			m.Input, m.Context = in, ctxMap
		}
		out = append(out, m)
	}
	return out, nil
}

// evalInput evaluates an input expression to JSON and its context map.
func evalInput(c *compiled, a *activation) (json.RawMessage, map[string]any, error) {
	v, _, err := c.prog.Eval(a)
	if err != nil {
		return nil, nil, err
	}
	native, err := toNative(v, 0)
	if err != nil {
		return nil, nil, err
	}
	b, err := marshalJSON(native)
	if err != nil {
		return nil, nil, fmt.Errorf("encode input: %w", err)
	}
	var ctxMap map[string]any
	if m, ok := native.(map[string]any); ok {
		ctxMap, _ = m["context"].(map[string]any)
	}
	return b, ctxMap, nil
}
