package github_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/codebridge/codebridge/events/github"
	"github.com/codebridge/codebridge/events/webhook"
)

// A webhook endpoint verifies the delivery, parses it, and answers by the
// sentinel: 401 for a bad signature, 204 for a ping or an unmapped event,
// 400 for a malformed payload. (The engine publishes the events and answers
// 2xx only after JetStream has stored them.)
func Example() {
	secrets := []string{"It's a Secret to Everybody"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 25<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		if err := github.Verify(r.Header, body, secrets); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		evs, err := github.Parse(r.Header, body)
		switch {
		case errors.Is(err, webhook.ErrPing), errors.Is(err, webhook.ErrIgnored):
			w.WriteHeader(http.StatusNoContent)
			return
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, e := range evs {
			fmt.Println(e.Type(), e.Subject(), e.ID())
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	send := func(event string, body []byte, sign bool) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set(github.HeaderEvent, event)
		req.Header.Set(github.HeaderDelivery, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
		if sign {
			req.Header.Set(github.HeaderSignature, github.Sign(secrets[0], body))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	push := []byte(`{"ref":"refs/heads/main",
		"before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
		"repository":{"name":"repo","full_name":"octo/repo","html_url":"https://github.com/octo/repo","clone_url":"https://github.com/octo/repo.git"},
		"pusher":{"name":"octo"}}`)
	send("push", push, true)
	send("push", push, false)
	send("ping", []byte(`{"zen":"Design for failure."}`), true)
	// Output:
	// dev.codebridge.repository.referenceUpdated refs/heads/main 72d3162e-cc78-11e3-81ab-4c9367dc0958
	// 202
	// 401
	// 204
}
