package buildspec

import "sort"

// Phase names, in the order they run.
const (
	Install   = "install"
	PreBuild  = "pre_build"
	Build     = "build"
	PostBuild = "post_build"
)

// PhaseNames lists the phases in the order they run.
var PhaseNames = []string{Install, PreBuild, Build, PostBuild}

// What a phase does when one of its commands fails.
const (
	// OnFailureDefault (the key is absent) follows CodeBuild's phase
	// transitions: a failed install or pre_build ends the build, a failed
	// build still runs post_build.
	OnFailureDefault = ""
	// OnFailureAbort ends the build at once: no later phase runs.
	OnFailureAbort = "ABORT"
	// OnFailureContinue runs the next phases anyway; the build still fails.
	OnFailureContinue = "CONTINUE"
)

// Spec is a parsed buildspec.
type Spec struct {
	Version   string
	Env       Env
	Phases    []Phase // only the phases the file declares, in run order
	Artifacts *Artifacts
	Cache     *Cache
	Reports   []ReportGroup // in file order
}

// Env is the env block.
type Env struct {
	// Shell is always "bash": the only shell codebridge runs.
	Shell string
	// Variables are plain environment variables.
	Variables map[string]string
	// Secrets maps a variable name to a secret reference ("env:NAME" or
	// "file:/path"); the values are masked in all output.
	Secrets map[string]string
	// ExportedVariables are read from the shell at the end of the build and
	// kept in the build record.
	ExportedVariables []string
}

// Phase is one of install, pre_build, build, post_build.
type Phase struct {
	Name      string
	Commands  []string
	Finally   []string
	OnFailure string // "", ABORT or CONTINUE
}

// Artifacts is the artifacts block.
type Artifacts struct {
	Files         []string
	BaseDirectory string
	DiscardPaths  bool
	Name          string
}

// Cache is the cache block: paths are globs relative to the source
// directory.
type Cache struct {
	Paths []string
}

// ReportGroup is one entry of the reports block (JUnit XML only).
type ReportGroup struct {
	Name          string
	Files         []string
	BaseDirectory string
	DiscardPaths  bool
}

// Phase returns the named phase, if the spec declares it.
func (s *Spec) Phase(name string) (Phase, bool) {
	for _, p := range s.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return Phase{}, false
}

// SortedVariables returns env.variables as KEY=VALUE in name order, so the
// environment a build sees does not depend on map order.
func (e Env) SortedVariables() []string {
	keys := make([]string, 0, len(e.Variables))
	for k := range e.Variables {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "=" + e.Variables[k]
	}
	return out
}
