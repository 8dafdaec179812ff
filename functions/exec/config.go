package exec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/codebridge/codebridge/functions"
)

// DefaultMaxOutputBytes bounds what is read from a program's stdout.
const DefaultMaxOutputBytes = 1 << 20

// Config is the configuration block of an exec function.
type Config struct {
	// Command is the program and its arguments; required. A relative program
	// path is resolved against Dir (or the engine's working directory), a bare
	// name through PATH, once, when the function is built.
	Command []string `yaml:"command"`
	// Dir is the working directory of the program.
	Dir string `yaml:"dir"`
	// Env adds variables to the program's environment.
	Env map[string]string `yaml:"env"`
	// Timeout bounds one run on top of the context deadline. In a codebridge
	// configuration file the engine takes the block's "timeout" as the
	// invocation deadline (which the context carries), so this field serves
	// decoders that pass the key through.
	Timeout Duration `yaml:"timeout"`
	// InheritEnv passes the engine's whole environment instead of only PATH,
	// HOME, LANG and TMPDIR. Off by default: the engine's environment holds
	// the secrets of every other function.
	InheritEnv bool `yaml:"inheritEnv"`
	// MaxOutputBytes bounds stdout (default 1 MiB). A program that writes more
	// fails permanently: events past the bound would be lost silently.
	MaxOutputBytes int `yaml:"maxOutputBytes"`
}

// Validate checks the configuration; errors name the field.
func (c Config) Validate() error {
	if len(c.Command) == 0 {
		return errors.New("command: is required (the program and its arguments, as a list)")
	}
	if c.Command[0] == "" {
		return errors.New("command[0]: must name the program")
	}
	for i, a := range c.Command {
		if strings.ContainsRune(a, 0) {
			return fmt.Errorf("command[%d]: must not contain a NUL byte", i)
		}
	}
	for k, v := range c.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return fmt.Errorf("env: %q is not a valid variable name", k)
		}
		if strings.ContainsRune(v, 0) {
			return fmt.Errorf("env.%s: must not contain a NUL byte", k)
		}
	}
	if c.Timeout < 0 {
		return errors.New("timeout: must not be negative")
	}
	if c.MaxOutputBytes < 0 {
		return errors.New("maxOutputBytes: must not be negative")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.MaxOutputBytes == 0 {
		c.MaxOutputBytes = DefaultMaxOutputBytes
	}
	return c
}

// Duration reads "30s", "5m", "24h" (and whole days, "7d") from configuration,
// the same forms as the engine's durations.
type Duration = functions.Duration
