package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"strings"
	"sync"

	cetypes "github.com/cloudevents/sdk-go/v2/types"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"

	"github.com/codebridge/codebridge/events"
)

// templateCostLimit bounds one template evaluation, like the engine's default
// CEL budget: a template is configuration, but the event it reads is not.
const templateCostLimit = 1_000_000

var (
	envOnce sync.Once
	celEnv  *cel.Env
	envErr  error
)

// templateEnv is the one CEL environment of the package: `event` as a map
// (id, source, type, subject, time, data, extensions, context) and the
// extension libraries (strings, lists, sets, math, encoders). It mirrors what
// a rule's match sees without importing the rules package.
func templateEnv() (*cel.Env, error) {
	envOnce.Do(func() {
		celEnv, envErr = cel.NewEnv(
			cel.Variable("event", cel.MapType(cel.StringType, cel.DynType)),
			// The same extension libraries as rules, so an expression
			// written for a rule also works in a template.
			ext.Strings(),
			ext.Lists(),
			ext.Sets(),
			ext.Math(),
			ext.Encoders(),
		)
	})
	return celEnv, envErr
}

// template is a compiled CEL string expression.
type template struct {
	field string
	prg   cel.Program
}

// compileTemplate compiles src (nil for an empty src); errors name field.
func compileTemplate(field, src string) (*template, error) {
	if src == "" {
		return nil, nil
	}
	env, err := templateEnv()
	if err != nil {
		return nil, fmt.Errorf("notify: CEL environment: %w", err)
	}
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		return nil, configError(field, iss.Err().Error())
	}
	if out := ast.OutputType(); !out.IsExactType(cel.StringType) && !out.IsExactType(cel.DynType) {
		return nil, configError(field, fmt.Sprintf("must be a string expression, got %s", out))
	}
	prg, err := env.Program(ast,
		cel.CostLimit(templateCostLimit),
		cel.InterruptCheckFrequency(100),
	)
	if err != nil {
		return nil, configError(field, err.Error())
	}
	return &template{field: field, prg: prg}, nil
}

// eval runs the template; a nil template yields ("", false, nil).
func (t *template) eval(ctx context.Context, vars map[string]any) (string, bool, error) {
	if t == nil {
		return "", false, nil
	}
	v, _, err := t.prg.ContextEval(ctx, vars)
	if err != nil {
		return "", false, fmt.Errorf("template %s: %w", t.field, err)
	}
	s, ok := v.(types.String)
	if !ok {
		return "", false, fmt.Errorf("template %s: must return a string, got %s", t.field, v.Type().TypeName())
	}
	return string(s), true, nil
}

// eventVars is the activation of a template: the event as a CEL map, shaped
// as a rule's match sees it (rules/activation.go): the attributes, data
// (decoded JSON, or a string when it is not JSON; an empty map when absent),
// extensions as strings, and context (the rule context the event carries).
func eventVars(e events.Event) map[string]any {
	ext := map[string]any{}
	for k, v := range e.Extensions() {
		if s, err := cetypes.Format(v); err == nil {
			ext[k] = s
		}
	}
	var data any = map[string]any{}
	if raw := e.Data(); len(raw) > 0 {
		data = string(raw)
		var v any
		if isJSONType(e.DataContentType()) && json.Unmarshal(raw, &v) == nil {
			data = integralNumbers(v)
		}
	}
	ctx := events.Context(e)
	if ctx == nil {
		ctx = map[string]any{}
	}
	m := map[string]any{
		"id":         e.ID(),
		"source":     e.Source(),
		"type":       e.Type(),
		"subject":    e.Subject(),
		"data":       data,
		"extensions": ext,
		"context":    ctx,
	}
	if t := e.Time(); !t.IsZero() {
		m["time"] = t
	}
	return map[string]any{"event": m}
}

func isJSONType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// integralNumbers turns whole JSON numbers into int64 so that a template can
// write "#" + string(event.data.buildNumber) and get "#42", not "#42.0" or a
// type error.
func integralNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = integralNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = integralNumbers(e)
		}
		return x
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	default:
		return v
	}
}
