package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// ruleName is what a rule may be called.
var ruleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// Compile validates and compiles rules against the declared functions and
// the engine block (zero fields take their defaults). Every problem is
// collected into one *LoadError; a RuleSpec decoded by Parse carries its
// positions in the file, one built in Go reports positions within the
// expression.
func Compile(specs []RuleSpec, functions map[string]FunctionConfig, eng EngineConfig) (*Set, error) {
	eng = eng.withDefaults()
	if _, err := celEnv(); err != nil {
		return nil, fmt.Errorf("rules: CEL environment: %w", err)
	}
	var ps problems
	declared := make([]string, 0, len(functions))
	for name := range functions {
		declared = append(declared, name)
	}
	sort.Strings(declared)
	seen := make(map[string]Position, len(specs))
	s := &Set{rules: make([]*Rule, 0, len(specs))}
	for i, spec := range specs {
		r := &Rule{Spec: spec}
		c := ruleCompiler{ps: &ps, spec: &r.Spec, src: spec.src, maxCost: eng.MaxCost}
		if c.src == nil {
			c.base = fmt.Sprintf("rules[%d]", i)
		}
		switch first, dup := seen[spec.Name]; {
		case spec.Name == "":
			c.fail("name", "name", "is required (rules[%d])", i)
		case !ruleName.MatchString(spec.Name):
			c.fail("name", "name", "must be letters, digits, '.', '-' and '_', starting with a letter or digit")
		case dup && first.Line > 0:
			c.fail("name", "name", "duplicate rule name (first defined at %s)", first)
		case dup:
			c.fail("name", "name", "duplicate rule name")
		default:
			seen[spec.Name] = c.src.at("name")
		}
		switch {
		case spec.Match != "" && spec.Schedule != "":
			c.fail("schedule", "schedule", "a rule has either match or schedule, not both")
		case spec.Match == "" && spec.Schedule == "":
			c.fail("", "match", "is required (or schedule)")
		case spec.Schedule != "":
			sched, err := ParseSchedule(spec.Schedule)
			if err != nil {
				c.fail("schedule", "schedule", "%s", err)
			}
			r.schedule = sched
		default:
			r.match = c.compile("match", "match", spec.Match, kindMatch)
		}
		rulePolicy := eng.Retry
		if spec.Retry != nil {
			for _, m := range spec.Retry.problems() {
				c.fail("retry", "retry", "%s", m)
			}
			rulePolicy = spec.Retry.orDefault(eng.Retry)
		}
		if len(spec.Targets) == 0 {
			c.fail("targets", "targets", "at least one target is required")
		}
		for j, t := range spec.Targets {
			tc := c
			tc.src = t.src
			field := fmt.Sprintf("targets[%d]", j)
			if tc.src == nil {
				tc.src = c.src.child("targets", j)
			}
			tgt := target{function: t.Function, field: field + ".input", retry: rulePolicy}
			switch _, ok := functions[t.Function]; {
			case t.Function == "":
				tc.fail("function", field+".function", "is required")
			case !ok:
				tc.fail("function", field+".function", "unknown function %q (declared: %s)", t.Function, strings.Join(declared, ", "))
			}
			if t.Input != "" {
				tgt.input = tc.compile("input", field+".input", t.Input, kindInput)
			}
			if t.Retry != nil {
				for _, m := range t.Retry.problems() {
					tc.fail("retry", field+".retry", "%s", m)
				}
				tgt.retry = t.Retry.orDefault(rulePolicy)
			}
			r.targets = append(r.targets, tgt)
		}
		s.rules = append(s.rules, r)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	s.idx = buildIndex(s.rules)
	return s, nil
}

// ruleCompiler reports the problems of one rule.
type ruleCompiler struct {
	ps      *problems
	spec    *RuleSpec
	src     *specSource
	base    string // field prefix when the rule has no name to show
	maxCost uint64
}

func (c ruleCompiler) field(f string) string {
	if c.spec.Name == "" && c.base != "" {
		return c.base + "." + f
	}
	return f
}

// fail records a problem at key's value (or the rule when key is absent).
func (c ruleCompiler) fail(key, field, format string, args ...any) {
	pos := c.src.at(key)
	if pos.Line == 0 && c.src == nil {
		pos = c.spec.Pos
	}
	c.ps.addf(pos, c.spec.Name, c.field(field), format, args...)
}

// compile compiles one expression, mapping CEL's positions to the file.
func (c ruleCompiler) compile(key, field, text string, kind exprKind) *compiled {
	prog, issues := compileExpr(kind, text, c.maxCost)
	for _, is := range issues {
		pos := c.src.exprPos(key, text, is.line, is.col)
		c.ps.add(Problem{Pos: pos, Rule: c.spec.Name, Field: c.field(field), Msg: is.msg})
	}
	return prog
}

// child returns the specSource of the i-th item of a list key, or nil.
func (s *specSource) child(key string, i int) *specSource {
	if s == nil {
		return nil
	}
	n, ok := s.keys[key]
	if !ok || i >= len(n.Content) {
		return nil
	}
	return newSpecSource(s.file, s.raw, fmt.Sprintf("%s.%s[%d]", s.field, key, i), n.Content[i])
}
