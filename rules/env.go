package rules

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/ext"
)

// celEnv is the one CEL environment of every rule: a single variable,
// `event`, a map with the CloudEvents attributes (id, source, type, subject,
// time), data (decoded JSON, or a string when the data is not JSON),
// extensions (strings) and context (the rule context the event carries).
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("event", cel.MapType(cel.StringType, cel.DynType)),
		ext.Strings(),
		ext.Lists(),
		ext.Sets(),
		ext.Math(),
		ext.Encoders(),
	)
})

// Env returns the CEL environment rules are compiled in, for tools that
// check or evaluate expressions the way rules do.
func Env() (*cel.Env, error) { return celEnv() }

// maxEstimatedSize is the size the static cost estimate assumes for every
// list, map and string whose size it cannot know (event data is untyped).
const maxEstimatedSize = 1024

// sizeEstimator bounds unknown sizes so that the static cost of an
// expression is finite: without it every comprehension over event data would
// be estimated at the maximum cost.
type sizeEstimator struct{}

func (sizeEstimator) EstimateSize(checker.AstNode) *checker.SizeEstimate {
	return &checker.SizeEstimate{Min: 0, Max: maxEstimatedSize}
}

func (sizeEstimator) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}

// exprKind says how an expression is used: a match must be a boolean, an
// input may be anything.
type exprKind byte

const (
	kindMatch exprKind = 'm'
	kindInput exprKind = 'i'
)

// compiled is one checked expression and its program.
type compiled struct {
	text string
	ast  *cel.Ast
	prog cel.Program
	// conjuncts are the indexable top-level conditions of a match.
	conjuncts []conjunct
}

// celIssue is one compile problem, at a place in the expression's text (line
// 1-based, column 0-based in runes; line 0 when unknown).
type celIssue struct {
	line, col int
	msg       string
}

// programCache keeps compiled expressions across Compile calls, so that a
// reload recompiles only what changed and identical expressions in one file
// compile once. Only successes are cached: the problems of a failure depend
// on where the expression is.
var programCache struct {
	sync.Mutex
	m map[string]*compiled
}

// maxCachedPrograms bounds the cache; past it the cache starts over.
const maxCachedPrograms = 100_000

// compileExpr checks text in the rules' environment, estimates its cost and
// plans its program with the runtime cost limit.
func compileExpr(kind exprKind, text string, maxCost uint64) (*compiled, []celIssue) {
	key := string(kind) + strconv.FormatUint(maxCost, 10) + "\x00" + text
	programCache.Lock()
	c, ok := programCache.m[key]
	programCache.Unlock()
	if ok {
		return c, nil
	}
	env, err := celEnv()
	if err != nil {
		return nil, []celIssue{{msg: "CEL environment: " + err.Error()}}
	}
	ast, iss := env.Compile(text)
	if iss.Err() != nil {
		out := make([]celIssue, 0, len(iss.Errors()))
		for _, e := range iss.Errors() {
			out = append(out, celIssue{line: e.Location.Line(), col: e.Location.Column(), msg: "ERROR: " + e.Message})
		}
		return nil, out
	}
	if kind == kindMatch {
		t := ast.OutputType()
		// dyn is allowed (event.data.isMerged): its value is checked when
		// it is evaluated.
		if !t.IsExactType(cel.BoolType) && !t.IsExactType(cel.DynType) {
			return nil, []celIssue{{msg: fmt.Sprintf("must be a bool expression, got %s", t)}}
		}
	}
	est, err := env.EstimateCost(ast, sizeEstimator{})
	if err != nil {
		return nil, []celIssue{{msg: "estimate cost: " + err.Error()}}
	}
	if est.Max > maxCost {
		return nil, []celIssue{{msg: fmt.Sprintf("estimated cost up to %d is over the budget engine.maxCost = %d (assuming lists, maps and strings of up to %d elements); nest fewer comprehensions or raise engine.maxCost", est.Max, maxCost, maxEstimatedSize)}}
	}
	prog, err := env.Program(ast, cel.CostLimit(maxCost), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, []celIssue{{msg: "plan program: " + err.Error()}}
	}
	c = &compiled{text: text, ast: ast, prog: prog}
	if kind == kindMatch {
		c.conjuncts = indexableConjuncts(ast.NativeRep())
	}
	programCache.Lock()
	if programCache.m == nil || len(programCache.m) >= maxCachedPrograms {
		programCache.m = map[string]*compiled{}
	}
	programCache.m[key] = c
	programCache.Unlock()
	return c, nil
}
