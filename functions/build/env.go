package build

import (
	"os"
	"sort"
	"strconv"
	"strings"
)

// passEnv are the worker's variables a build sees; nothing else of the
// worker's environment (which holds the configuration's secrets) leaks in.
var passEnv = []string{"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR"}

func baseEnv() []string {
	var out []string
	for _, k := range passEnv {
		if v, ok := os.LookupEnv(k); ok {
			out = append(out, k+"="+v)
		}
	}
	if _, ok := os.LookupEnv("PATH"); !ok {
		out = append(out, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// clean drops the NUL bytes an environment cannot carry.
func clean(s string) string { return strings.ReplaceAll(s, "\x00", "") }

// buildVars are the CODEBRIDGE_* variables of a build.
func buildVars(id string, number int64, project, srcDir string, s Source) []string {
	kv := [][2]string{
		{"CODEBRIDGE_BUILD_ID", id},
		{"CODEBRIDGE_BUILD_NUMBER", strconv.FormatInt(number, 10)},
		{"CODEBRIDGE_PROJECT", project},
		{"CODEBRIDGE_SRC_DIR", srcDir},
		{"CODEBRIDGE_SOURCE_VERSION", s.sourceVersion()},
		{"CODEBRIDGE_RESOLVED_SOURCE_VERSION", s.CommitID},
		{"CODEBRIDGE_SOURCE_REPO_URL", s.Repository.CloneURL},
		{"CODEBRIDGE_WEBHOOK_EVENT", s.Event},
		{"CODEBRIDGE_WEBHOOK_TRIGGER", s.Trigger},
		{"CODEBRIDGE_WEBHOOK_HEAD_REF", s.HeadRef},
		{"CODEBRIDGE_WEBHOOK_BASE_REF", s.BaseRef},
		{"CODEBRIDGE_INITIATOR", s.Initiator},
		{"CODEBRIDGE_PULL_REQUEST_ID", s.PullRequestID},
		{"CODEBRIDGE_PULL_REQUEST_TITLE", s.Title},
	}
	out := make([]string, 0, len(kv))
	for _, p := range kv {
		out = append(out, p[0]+"="+clean(p[1]))
	}
	return out
}
