package replicate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// askpassEnvPrefix starts the variables that carry a run's credentials to
// the askpass helper. They are set on git's environment only, never on a
// command line, and are scrubbed from the worker's own environment.
const askpassEnvPrefix = "CB_REPLICATE_ASKPASS_"

// askpassScript answers git's "Username for ..." and "Password for ..."
// prompts from the environment. It is a constant: no configured or
// event-supplied text is ever written into it.
const askpassScript = `#!/bin/sh
case "$1" in
Username*) printf '%s\n' "$` + askpassEnvPrefix + `USERNAME" ;;
*) printf '%s\n' "$` + askpassEnvPrefix + `PASSWORD" ;;
esac
`

// askpass writes the helper once into a private directory and removes it on
// Close.
type askpass struct {
	mu   sync.Mutex
	dir  string
	path string
}

func (a *askpass) file() (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.path != "" {
		return a.path, nil
	}
	dir, err := os.MkdirTemp("", "cb-replicate-")
	if err != nil {
		return "", fmt.Errorf("replicate: askpass: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("replicate: askpass: %w", err)
	}
	p := filepath.Join(dir, "askpass.sh")
	if err := os.WriteFile(p, []byte(askpassScript), 0o700); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("replicate: askpass: %w", err)
	}
	a.dir, a.path = dir, p
	return p, nil
}

func (a *askpass) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dir == "" {
		return nil
	}
	err := os.RemoveAll(a.dir)
	a.dir, a.path = "", ""
	return err
}

// credentialEnv is the environment that gives git the credentials for u:
// an HTTPS password through the askpass helper, an SSH key through
// GIT_SSH_COMMAND. Without credentials git runs with none and, since it
// may not prompt, fails fast when the remote asks for some.
func (f *Function) credentialEnv(u repoURL, password, sshKey string) ([]string, error) {
	var env []string
	if password != "" {
		p, err := f.askpass.file()
		if err != nil {
			return nil, err
		}
		env = append(env,
			"GIT_ASKPASS="+p,
			askpassEnvPrefix+"USERNAME="+u.user,
			askpassEnvPrefix+"PASSWORD="+password,
		)
	}
	if u.scheme == "ssh" {
		// GIT_SSH_COMMAND is run by a shell: the key path (configuration,
		// trusted, but possibly with spaces) is single-quoted.
		cmd := "ssh -o BatchMode=yes"
		if sshKey != "" {
			cmd += " -i " + shellQuote(sshKey) + " -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new"
		}
		env = append(env, "GIT_SSH_COMMAND="+cmd)
	}
	return env, nil
}

// shellQuote quotes s for a POSIX shell: inside single quotes nothing is
// special except the single quote itself, which is written by closing the
// quotes, adding a backslash-escaped quote and opening them again.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
