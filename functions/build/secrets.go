package build

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/codebridge/codebridge/functions/build/buildspec"
)

// SecretProvider resolves env.secrets references to values.
type SecretProvider interface {
	Resolve(ctx context.Context, ref string) (string, error)
}

// EnvFileSecrets resolves "env:NAME" from the codebridge process's
// environment and "file:/path" from a file (a mounted secret), without its
// trailing newline. Errors name the reference, never a value.
type EnvFileSecrets struct{}

var _ SecretProvider = EnvFileSecrets{}

// Resolve implements SecretProvider.
func (EnvFileSecrets) Resolve(_ context.Context, ref string) (string, error) {
	if err := buildspec.CheckSecretRef(ref); err != nil {
		return "", err
	}
	kind, name, _ := strings.Cut(ref, ":")
	switch kind {
	case "env":
		v, ok := os.LookupEnv(name)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		return v, nil
	default:
		b, err := os.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("read secret file %s: %w", name, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
}

// resolveSecrets returns NAME=value pairs and the values, for masking.
func resolveSecrets(ctx context.Context, p SecretProvider, refs map[string]string) (env, values []string, err error) {
	for _, name := range sortedKeys(refs) {
		v, err := p.Resolve(ctx, refs[name])
		if err != nil {
			return nil, nil, fmt.Errorf("secret %s: %w", name, err)
		}
		env = append(env, name+"="+v)
		values = append(values, v)
	}
	return env, values, nil
}
