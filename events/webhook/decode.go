package webhook

import "encoding/json"

// Decode unmarshals a provider's payload into v. A body that is not the
// payload's JSON shape is the sender's fault, so the error is an
// ErrMalformed naming the provider ("GitHub payload: ...").
func Decode(provider string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return Malformed("%s payload: %v", provider, err)
	}
	return nil
}
