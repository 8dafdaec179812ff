package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// strictYAML decodes src the way the engine decodes a function block:
// unknown fields refused.
func strictYAML(src string) func(any) error {
	return func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(src))
		dec.KnownFields(true)
		return dec.Decode(v)
	}
}

// build constructs a notifier from a YAML block, failing the test on error.
func build(t *testing.T, src string, deps functions.Deps) *Notifier {
	t.Helper()
	f, err := New("test", strictYAML(src), deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	n := f.(*Notifier)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

func mustEvent(t testing.TB, typ, source string, data any, opts ...events.Option) events.Event {
	t.Helper()
	e, err := events.New(typ, source, data, opts...)
	if err != nil {
		t.Fatalf("events.New: %v", err)
	}
	return e
}

func buildFailed(t testing.TB) events.Event {
	return mustEvent(t, events.BuildStateChanged, "codebridge://builds/app", events.BuildStateData{
		BuildID:     "app:42",
		BuildNumber: 42,
		Project:     "app",
		Status:      events.BuildFailed,
		Repository:  &events.Repository{Name: "app", FullName: "acme/app", CloneURL: "https://git.example/acme/app.git", Provider: "gitea"},
		Reference:   "refs/heads/main",
		CommitID:    "0123456789abcdef0123456789abcdef01234567",
		DurationMS:  93_000,
		LogURL:      "https://ci.example/builds/app:42/logs",
		Reports:     []events.ReportSummary{{Name: "unit", Total: 10, Passed: 8, Failed: 2}},
	}, events.WithID("ev-1"), events.WithSubject("refs/heads/main"), events.WithTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
}

func invocation(t testing.TB, id string, e events.Event, input string) functions.Invocation {
	inv := functions.Invocation{ID: id, Attempt: 1, Rule: "build-failed", Function: "chat", Event: e}
	if input != "" {
		inv.Input = []byte(input)
	}
	return inv
}

func invoke(t *testing.T, n *Notifier, inv functions.Invocation) (functions.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return n.Invoke(ctx, inv)
}

// notificationData decodes the data of the notification events in r.
func notificationData(t *testing.T, r functions.Result) map[string]events.NotificationData {
	t.Helper()
	out := map[string]events.NotificationData{}
	for _, e := range r.Events {
		if err := events.Validate(e); err != nil {
			t.Fatalf("emitted event does not validate: %v", err)
		}
		d, err := events.DecodeData(e)
		if err != nil {
			t.Fatal(err)
		}
		nd := *d.(*events.NotificationData)
		key := nd.Channel + "/sent"
		if e.Type() == events.NotificationFailed {
			key = nd.Channel + "/failed"
		}
		out[key] = nd
	}
	return out
}

// testCA is a self-signed certificate for 127.0.0.1 and localhost, with its
// PEM written to a file for email.caFile.
type testCA struct {
	cert   tls.Certificate
	pemDir string
	file   string
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "notify test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return testCA{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemDir: dir, file: file}
}

func (c testCA) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.cert}, MinVersion: tls.VersionTLS12}
}

// mustContain fails unless every want is in s.
func mustContain(t *testing.T, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%q does not contain %q", s, w)
		}
	}
}

func isRetryable(err error) bool {
	return err != nil && !functions.IsPermanent(err) && !errors.Is(err, ErrConfig)
}
