package engine

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestAPIToken(t *testing.T) {
	t.Setenv("CB_TEST_API_TOKEN", "t0ken-value")
	h := startEngine(t, noRules+"server: { apiToken: \"${CB_TEST_API_TOKEN}\" }\n", nil)
	e := pushEvent(t, "e-1", "app", "main")
	body, _ := json.Marshal(e)
	cases := []struct {
		auth   string
		status int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"t0ken-value", http.StatusUnauthorized}, // not a bearer credential
		{"Bearer t0ken-value", http.StatusAccepted},
	}
	for _, c := range cases {
		hdr := map[string]string{}
		if c.auth != "" {
			hdr["Authorization"] = c.auth
		}
		if status, resp := h.post("/events", ctStructured, body, hdr); status != c.status {
			t.Errorf("Authorization %q: %d %s, want %d", c.auth, status, resp, c.status)
		}
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/api/dlq": 401, "/api/rules": 401} {
		resp, err := http.Get(h.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s without a token: %d, want %d", path, resp.StatusCode, want)
		}
	}
}
