package rules

import (
	"mime"
	"strings"
	"sync"

	"github.com/cloudevents/sdk-go/v2/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"

	celtypes "github.com/google/cel-go/common/types"

	"github.com/codebridge/codebridge/events"
)

// activation is the CEL input for one event. Everything in it is computed
// at most once and only when needed: the data is decoded when a rule is
// evaluated or the index looks at a data path.
type activation struct {
	e events.Event

	dataDone bool
	data     any
	extDone  bool
	ext      map[string]any
	ctxDone  bool
	context  map[string]any
	val      ref.Val

	// cands is scratch space for the candidate rules.
	cands []int32
}

var _ interpreter.Activation = (*activation)(nil)

var activations = sync.Pool{New: func() any { return new(activation) }}

func newActivation(e events.Event) *activation {
	a := activations.Get().(*activation)
	a.e = e
	return a
}

// release clears every reference to the event and returns a to the pool.
func (a *activation) release() {
	cands := a.cands[:0]
	*a = activation{cands: cands}
	activations.Put(a)
}

// ResolveName implements interpreter.Activation: the only variable is event.
func (a *activation) ResolveName(name string) (any, bool) {
	if name != "event" {
		return nil, false
	}
	if a.val == nil {
		m := make(map[string]any, 8)
		for _, k := range eventKeys {
			if v, ok := a.field(k); ok {
				m[k] = v
			}
		}
		a.val = celtypes.NewStringInterfaceMap(celtypes.DefaultTypeAdapter, m)
	}
	return a.val, true
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// eventKeys are the keys of the event map.
var eventKeys = []string{"id", "source", "type", "subject", "time", "data", "extensions", "context"}

// field returns one key of the event map. The index and the CEL map both
// read the event through it, so that they cannot disagree.
func (a *activation) field(k string) (any, bool) {
	switch k {
	case "id":
		return a.e.ID(), true
	case "source":
		return a.e.Source(), true
	case "type":
		return a.e.Type(), true
	case "subject":
		return a.e.Subject(), true
	case "time":
		t := a.e.Time()
		return t, !t.IsZero()
	case "data":
		return a.decodedData(), true
	case "extensions":
		return a.extensions(), true
	case "context":
		return a.ruleContext(), true
	}
	return nil, false
}

// lookup returns the event's string value at path, for the index. Any other
// outcome (missing key, not a map on the way, not a string) means no
// `event.<path> == "const"` can be true.
func (a *activation) lookup(path []string) (string, bool) {
	cur, ok := a.field(path[0])
	if !ok {
		return "", false
	}
	for _, k := range path[1:] {
		m, isMap := cur.(map[string]any)
		if !isMap {
			return "", false
		}
		if cur, ok = m[k]; !ok {
			return "", false
		}
	}
	s, ok := cur.(string)
	return s, ok
}

// decodedData is the event's data: decoded JSON when the content type is
// JSON (or absent) and the data parses, else the data as a string; an empty
// map when there is no data, so that has(event.data.x) works on every event.
func (a *activation) decodedData() any {
	if a.dataDone {
		return a.data
	}
	a.dataDone = true
	raw := a.e.Data()
	if len(raw) == 0 {
		a.data = map[string]any{}
		return a.data
	}
	if isJSONType(a.e.DataContentType()) {
		if v, err := decodeJSON(raw); err == nil {
			a.data = v
			return v
		}
	}
	a.data = string(raw)
	return a.data
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

// extensions are the event's extension attributes in their canonical string
// form (cbhops is an integer on the wire).
func (a *activation) extensions() map[string]any {
	if a.extDone {
		return a.ext
	}
	a.extDone = true
	exts := a.e.Extensions()
	a.ext = make(map[string]any, len(exts))
	for k, v := range exts {
		if s, err := types.Format(v); err == nil {
			a.ext[k] = s
		}
	}
	return a.ext
}

// ruleContext is the context a previous rule attached (cbcontext), or an
// empty map.
func (a *activation) ruleContext() map[string]any {
	if a.ctxDone {
		return a.context
	}
	a.ctxDone = true
	if _, ok := a.e.Extensions()[events.ExtContext]; ok {
		a.context = events.Context(a.e)
	}
	if a.context == nil {
		a.context = map[string]any{}
	}
	return a.context
}
