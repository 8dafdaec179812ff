package exec

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/codebridge/codebridge/functions"
)

// baseEnv is what a program gets from the engine's environment unless
// inheritEnv is set: enough to find programs and write temporary files.
var baseEnv = []string{"PATH", "HOME", "LANG", "TMPDIR"}

// environ builds the program's environment: the base, then the configured
// variables, then the invocation's, which win so a program can trust them.
func environ(cfg Config, inv functions.Invocation) []string {
	m := map[string]string{}
	if cfg.InheritEnv {
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				m[k] = v
			}
		}
	} else {
		for _, k := range baseEnv {
			if v, ok := os.LookupEnv(k); ok {
				m[k] = v
			}
		}
	}
	for k, v := range cfg.Env {
		m[k] = v
	}
	e := inv.Event
	var ts string
	if t := e.Time(); !t.IsZero() {
		ts = t.UTC().Format(time.RFC3339Nano)
	}
	for k, v := range map[string]string{
		"CE_ID":            e.ID(),
		"CE_TYPE":          e.Type(),
		"CE_SOURCE":        e.Source(),
		"CE_SUBJECT":       e.Subject(),
		"CE_TIME":          ts,
		"CB_INVOCATION_ID": inv.ID,
		"CB_ATTEMPT":       strconv.Itoa(inv.Attempt),
		"CB_RULE":          inv.Rule,
		"CB_FUNCTION":      inv.Function,
	} {
		// The kernel cannot pass a NUL byte; an event must not be able to
		// make the program unstartable.
		m[k] = strings.ReplaceAll(v, "\x00", "")
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
