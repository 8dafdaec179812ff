package notify

import (
	"encoding/json"
	"fmt"
	"net/mail"
)

// overrides are what a rule's input may set for one invocation:
//
//	{"title": "...", "body": "...", "to": ["a@example.com"]}
//
// A JSON string is taken as the body. The default input (the event itself,
// recognised by its specversion) and any other value set nothing.
type overrides struct {
	Title *string
	Body  *string
	To    []*mail.Address
}

func parseInput(raw json.RawMessage) (overrides, error) {
	var o overrides
	if len(raw) == 0 {
		return o, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return o, fmt.Errorf("input: not JSON: %w", err)
	}
	switch x := v.(type) {
	case string:
		o.Body = &x
		return o, nil
	case map[string]any:
		if _, isEvent := x["specversion"]; isEvent {
			return o, nil
		}
		var err error
		if o.Title, err = optString(x, "title"); err != nil {
			return o, err
		}
		if o.Body, err = optString(x, "body"); err != nil {
			return o, err
		}
		if o.To, err = addressList(x["to"]); err != nil {
			return o, err
		}
	}
	return o, nil
}

func optString(m map[string]any, key string) (*string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("input.%s: must be a string", key)
	}
	return &s, nil
}

// addressList reads "to" as one address or a list of them.
func addressList(v any) ([]*mail.Address, error) {
	var list []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		list = []any{x}
	case []any:
		list = x
	default:
		return nil, fmt.Errorf("input.to: must be an address or a list of addresses")
	}
	out := make([]*mail.Address, 0, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("input.to[%d]: must be a string", i)
		}
		if s == "" {
			continue // an optional recipient a rule left empty
		}
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("input.to[%d]: not an email address: %v", i, err)
		}
		out = append(out, a)
	}
	return out, nil
}
