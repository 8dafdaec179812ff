package rules

import (
	"fmt"
	"strings"
)

// LoadError is a configuration that was refused. It lists every problem found,
// not only the first, so that one run of `codebridge rules validate` shows
// them all.
type LoadError struct {
	Problems []Problem
}

// Error writes one problem per line.
func (e *LoadError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Problem is one thing wrong with a configuration file.
type Problem struct {
	// Pos is where in the file; Line is 0 when the place is unknown (a rule
	// compiled from a RuleSpec built in Go).
	Pos Position
	// Rule is the rule's name when the problem is inside a rule.
	Rule string
	// Field is the path of the field, like "server.http" or
	// "targets[0].input".
	Field string
	Msg   string
}

// String formats the problem as `file:line:col: rule "name": field: message`,
// leaving out the parts that are unknown.
func (p Problem) String() string {
	var b strings.Builder
	if p.Pos.Line > 0 || p.Pos.File != "" {
		b.WriteString(p.Pos.String())
		b.WriteString(": ")
	}
	if p.Rule != "" {
		fmt.Fprintf(&b, "rule %q: ", p.Rule)
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// problems accumulates Problems; its zero value is ready to use.
type problems struct {
	list []Problem
}

func (ps *problems) add(p Problem) { ps.list = append(ps.list, p) }

func (ps *problems) addf(pos Position, rule, field, format string, args ...any) {
	ps.list = append(ps.list, Problem{Pos: pos, Rule: rule, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// err returns the problems as a *LoadError, or nil when there are none.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &LoadError{Problems: ps.list}
}

// maskSecrets replaces every secret in the problems' messages, so that a
// value read from the environment never reaches a log through an error.
// Values shorter than three characters are not masked: they would garble
// messages and reveal nothing.
func maskSecrets(list []Problem, secrets []string) {
	for _, s := range secrets {
		if len(s) < 3 {
			continue
		}
		for i := range list {
			list[i].Msg = strings.ReplaceAll(list[i].Msg, s, "****")
			list[i].Field = strings.ReplaceAll(list[i].Field, s, "****")
		}
	}
}

// EvalError is a rule whose expression failed at run time for one event. The
// router logs it; the rule is treated as not matching.
type EvalError struct {
	Rule string
	// Field is "match" or "targets[i].input".
	Field string
	Err   error
}

func (e *EvalError) Error() string {
	if e.Field == "" {
		return "rules: evaluate " + e.Rule + ": " + e.Err.Error()
	}
	return "rules: evaluate " + e.Rule + ": " + e.Field + ": " + e.Err.Error()
}

func (e *EvalError) Unwrap() error { return e.Err }
