package rules

import (
	"slices"
	"strings"

	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
)

// conjunct is a top-level condition of a match that pins a path of the
// event to constant strings: `event.<path> == "v"` or
// `event.<path> in ["a", "b"]`. A rule whose match is true satisfies all its
// top-level conjuncts, so a rule indexed under one is a candidate only for
// events whose value at the path is one of the values.
type conjunct struct {
	path   []string
	key    string // path joined with \x00
	values []string
}

// indexableConjuncts returns the indexable top-level conjuncts of a checked
// match expression.
func indexableConjuncts(a *celast.AST) []conjunct {
	var out []conjunct
	for _, e := range flattenAnd(a.Expr(), nil) {
		if c, ok := asConjunct(e); ok {
			out = append(out, c)
		}
	}
	return out
}

func flattenAnd(e celast.Expr, out []celast.Expr) []celast.Expr {
	if e.Kind() == celast.CallKind && e.AsCall().FunctionName() == operators.LogicalAnd {
		for _, arg := range e.AsCall().Args() {
			out = flattenAnd(arg, out)
		}
		return out
	}
	return append(out, e)
}

func asConjunct(e celast.Expr) (conjunct, bool) {
	if e.Kind() != celast.CallKind {
		return conjunct{}, false
	}
	call := e.AsCall()
	args := call.Args()
	if call.IsMemberFunction() || len(args) != 2 {
		return conjunct{}, false
	}
	switch call.FunctionName() {
	case operators.Equals:
		for _, side := range [][2]celast.Expr{{args[0], args[1]}, {args[1], args[0]}} {
			path, ok := eventPath(side[0])
			v, isStr := stringLiteral(side[1])
			if ok && isStr {
				return newConjunct(path, []string{v}), true
			}
		}
	case operators.In:
		path, ok := eventPath(args[0])
		if !ok || args[1].Kind() != celast.ListKind {
			return conjunct{}, false
		}
		list := args[1].AsList()
		if len(list.OptionalIndices()) > 0 {
			return conjunct{}, false
		}
		values := make([]string, 0, list.Size())
		for _, el := range list.Elements() {
			v, isStr := stringLiteral(el)
			if !isStr {
				// A non-string element (1, null, a variable) could
				// match a value the index would not look for.
				return conjunct{}, false
			}
			values = append(values, v)
		}
		slices.Sort(values)
		return newConjunct(path, slices.Compact(values)), true
	}
	return conjunct{}, false
}

func newConjunct(path, values []string) conjunct {
	return conjunct{path: path, key: strings.Join(path, "\x00"), values: values}
}

// eventPath returns the path of a chain of field selections and constant
// string indexes rooted at `event` (event.data.repository.name,
// event["type"]); at least one step.
func eventPath(e celast.Expr) ([]string, bool) {
	var rev []string
	for {
		switch e.Kind() {
		case celast.IdentKind:
			if e.AsIdent() != "event" || len(rev) == 0 {
				return nil, false
			}
			slices.Reverse(rev)
			return rev, true
		case celast.SelectKind:
			s := e.AsSelect()
			if s.IsTestOnly() {
				return nil, false
			}
			rev = append(rev, s.FieldName())
			e = s.Operand()
		case celast.CallKind:
			c := e.AsCall()
			if c.FunctionName() != operators.Index || c.IsMemberFunction() || len(c.Args()) != 2 {
				return nil, false
			}
			key, ok := stringLiteral(c.Args()[1])
			if !ok {
				return nil, false
			}
			rev = append(rev, key)
			e = c.Args()[0]
		default:
			return nil, false
		}
	}
}

func stringLiteral(e celast.Expr) (string, bool) {
	if e.Kind() != celast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

// pathIndex maps the values of one event path to the rules indexed under it.
type pathIndex struct {
	path    []string
	byValue map[string][]int32 // rule indexes in file order
}

// index picks for each rule the conjunct whose path has the most distinct
// values across all rules (the most selective), and lists the rules with no
// indexable conjunct as always evaluated.
type index struct {
	paths  []pathIndex
	always []int32
}

func buildIndex(rules []*Rule) index {
	distinct := map[string]map[string]struct{}{}
	for _, r := range rules {
		if !r.active() {
			continue
		}
		for _, c := range r.match.conjuncts {
			vs := distinct[c.key]
			if vs == nil {
				vs = map[string]struct{}{}
				distinct[c.key] = vs
			}
			for _, v := range c.values {
				vs[v] = struct{}{}
			}
		}
	}
	var idx index
	byKey := map[string]int{}
	for i, r := range rules {
		if !r.active() {
			continue
		}
		best := -1
		for j, c := range r.match.conjuncts {
			if best < 0 || len(distinct[c.key]) > len(distinct[r.match.conjuncts[best].key]) {
				best = j
			}
		}
		if best < 0 {
			idx.always = append(idx.always, int32(i))
			continue
		}
		c := r.match.conjuncts[best]
		p, ok := byKey[c.key]
		if !ok {
			p = len(idx.paths)
			byKey[c.key] = p
			idx.paths = append(idx.paths, pathIndex{path: c.path, byValue: map[string][]int32{}})
		}
		for _, v := range c.values {
			idx.paths[p].byValue[v] = append(idx.paths[p].byValue[v], int32(i))
		}
	}
	return idx
}
