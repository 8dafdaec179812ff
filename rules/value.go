package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"google.golang.org/protobuf/types/known/structpb"
)

// maxValueDepth bounds the nesting of an input value.
const maxValueDepth = 64

// toNative converts a CEL value to what encoding/json marshals the way CEL's
// JSON mapping does: maps, lists, strings, float64 and int64 numbers, bools,
// null; timestamps as RFC 3339 strings, durations as "1.5s", bytes as
// base64.
func toNative(v ref.Val, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("value nested deeper than %d", maxValueDepth)
	}
	switch x := v.(type) {
	case types.Null:
		return nil, nil
	case types.Bool:
		return bool(x), nil
	case types.Int:
		return int64(x), nil
	case types.Uint:
		return uint64(x), nil
	case types.Double:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v cannot be written as JSON", f)
		}
		return f, nil
	case types.String:
		return string(x), nil
	case types.Bytes:
		return []byte(x), nil
	case types.Timestamp:
		return x.Time.UTC().Format(time.RFC3339Nano), nil
	case types.Duration:
		return strconv.FormatFloat(x.Duration.Seconds(), 'f', -1, 64) + "s", nil
	case *types.Optional:
		if !x.HasValue() {
			return nil, nil
		}
		return toNative(x.GetValue(), depth+1)
	case *types.Err:
		return nil, x
	case traits.Mapper:
		// Maps and lists that come straight from the event are already
		// native JSON values.
		if m, ok := x.Value().(map[string]any); ok {
			return m, nil
		}
		out := make(map[string]any, int(sizeOf(x)))
		for it := x.Iterator(); it.HasNext() == types.True; {
			k := it.Next()
			var key string
			switch kv := k.(type) {
			case types.String:
				key = string(kv)
			case types.Int, types.Uint, types.Bool:
				// JSON objects have string keys; proto JSON writes
				// these keys as their text.
				key = fmt.Sprint(kv.Value())
			default:
				return nil, fmt.Errorf("map key of type %s cannot be written as JSON", k.Type().TypeName())
			}
			val, err := toNative(x.Get(k), depth+1)
			if err != nil {
				return nil, err
			}
			out[key] = val
		}
		return out, nil
	case traits.Lister:
		if l, ok := x.Value().([]any); ok {
			return l, nil
		}
		n := int(sizeOf(x))
		out := make([]any, 0, n)
		for i := range n {
			val, err := toNative(x.Get(types.Int(i)), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, val)
		}
		return out, nil
	}
	// Anything else (a protobuf message) goes through CEL's own JSON
	// conversion.
	pv, err := v.ConvertToNative(reflect.TypeFor[*structpb.Value]())
	if err != nil {
		return nil, fmt.Errorf("value of type %s cannot be written as JSON: %w", v.Type().TypeName(), err)
	}
	return pv.(*structpb.Value).AsInterface(), nil
}

func sizeOf(s traits.Sizer) int64 {
	if n, ok := s.Size().(types.Int); ok {
		return int64(n)
	}
	return 0
}

// marshalJSON writes v without HTML escaping: the input goes to programs,
// not browsers.
func marshalJSON(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
