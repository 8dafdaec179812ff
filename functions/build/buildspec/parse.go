package buildspec

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// varName is what bash accepts as a variable name.
var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reservedPrefix is kept for the variables codebridge sets itself.
const reservedPrefix = "CODEBRIDGE_"

// unsupported names CodeBuild keys that codebridge refuses by name, with why.
var unsupported = map[string]string{
	"run-as":                "is not supported (commands run as the worker's user)",
	"proxy":                 "is not supported",
	"batch":                 "is not supported (batch builds)",
	"parameter-store":       "is not supported: use env.secrets with env:NAME or file:/path",
	"secrets-manager":       "is not supported: use env.secrets with env:NAME or file:/path",
	"git-credential-helper": "is not supported",
	"runtime-versions":      "is not supported: install tools in the install phase",
	"secondary-artifacts":   "is not supported: declare one artifacts block",
}

// ParseFile reads and parses a buildspec file.
func ParseFile(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("buildspec: read %s: %w", path, err)
	}
	return Parse(path, b)
}

// Parse parses a buildspec; name is used in error messages.
func Parse(name string, data []byte) (*Spec, error) {
	p := &parser{file: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: name, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "is empty"}
	}
	s, err := p.spec(doc.Content[0])
	if err != nil {
		return nil, err
	}
	return s, nil
}

type parser struct{ file string }

func (p *parser) errf(n *yaml.Node, field, format string, args ...any) error {
	e := &Error{File: p.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// fields walks a mapping, calling f for each key in file order; unknown keys
// are refused by f returning errUnknown.
func (p *parser) fields(n *yaml.Node, path string, f func(key string, k, v *yaml.Node) (bool, error)) error {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return p.errf(n, path, "must be a mapping")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		field := join(path, k.Value)
		if seen[k.Value] {
			return p.errf(k, field, "is declared twice")
		}
		seen[k.Value] = true
		if why, ok := unsupported[k.Value]; ok {
			return p.errf(k, field, "%s", why)
		}
		known, err := f(k.Value, k, v)
		if err != nil {
			return err
		}
		if !known {
			return p.errf(k, field, "is not a known field")
		}
	}
	return nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (p *parser) scalar(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", p.errf(n, field, "must be a string")
	}
	return n.Value, nil
}

// strings reads a sequence of scalars; a single scalar is accepted as a
// one-element list, as CodeBuild does.
func (p *parser) strings(n *yaml.Node, field string) ([]string, error) {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, field, "must be a list of strings")
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		c = resolve(c)
		f := fmt.Sprintf("%s[%d]", field, i)
		if c.Kind != yaml.ScalarNode {
			return nil, p.errf(c, f, "must be a string (quote a command that contains \": \")")
		}
		if strings.TrimSpace(c.Value) == "" {
			return nil, p.errf(c, f, "must not be empty")
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func (p *parser) boolean(n *yaml.Node, field string) (bool, error) {
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "yes", "true", "on":
			return true, nil
		case "no", "false", "off":
			return false, nil
		}
	}
	return false, p.errf(n, field, "must be yes or no")
}

func (p *parser) spec(root *yaml.Node) (*Spec, error) {
	s := &Spec{Env: Env{Shell: "bash", Variables: map[string]string{}, Secrets: map[string]string{}}}
	var phasesNode *yaml.Node
	err := p.fields(root, "", func(key string, k, v *yaml.Node) (bool, error) {
		var err error
		switch key {
		case "version":
			s.Version, err = p.scalar(v, key)
			if err == nil && s.Version != "0.2" {
				err = p.errf(v, key, "must be 0.2, got %q", s.Version)
			}
		case "env":
			err = p.env(v, &s.Env)
		case "phases":
			phasesNode = k
			s.Phases, err = p.phases(v)
		case "artifacts":
			s.Artifacts, err = p.artifacts(v)
		case "cache":
			s.Cache, err = p.cache(v)
		case "reports":
			s.Reports, err = p.reports(v)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if s.Version == "" {
		return nil, p.errf(root, "version", "is required (0.2)")
	}
	if phasesNode == nil {
		return nil, p.errf(root, "phases", "is required")
	}
	n := 0
	for _, ph := range s.Phases {
		n += len(ph.Commands)
	}
	if n == 0 {
		return nil, p.errf(phasesNode, "phases", "declares no commands")
	}
	return s, nil
}

func (p *parser) env(n *yaml.Node, e *Env) error {
	return p.fields(n, "env", func(key string, k, v *yaml.Node) (bool, error) {
		field := "env." + key
		switch key {
		case "shell":
			sh, err := p.scalar(v, field)
			if err != nil {
				return true, err
			}
			if sh != "bash" {
				return true, p.errf(v, field, "must be bash, got %q", sh)
			}
		case "variables":
			return true, p.varMap(v, field, func(name, val string, vn *yaml.Node) error {
				e.Variables[name] = val
				return nil
			})
		case "secrets":
			return true, p.varMap(v, field, func(name, ref string, vn *yaml.Node) error {
				if err := CheckSecretRef(ref); err != nil {
					return p.errf(vn, field+"."+name, "%v", err)
				}
				e.Secrets[name] = ref
				return nil
			})
		case "exported-variables":
			names, err := p.strings(v, field)
			if err != nil {
				return true, err
			}
			for i, name := range names {
				if !varName.MatchString(name) {
					return true, p.errf(resolve(v.Content[i]), fmt.Sprintf("%s[%d]", field, i), "%q is not a variable name", name)
				}
			}
			e.ExportedVariables = names
		default:
			return false, nil
		}
		return true, nil
	})
}

// varMap reads NAME: value pairs, checking that names are variable names
// outside the reserved CODEBRIDGE_ prefix.
func (p *parser) varMap(n *yaml.Node, field string, put func(name, val string, vn *yaml.Node) error) error {
	return p.fields(n, field, func(key string, k, v *yaml.Node) (bool, error) {
		f := field + "." + key
		if !varName.MatchString(key) {
			return true, p.errf(k, f, "%q is not a variable name", key)
		}
		if strings.HasPrefix(key, reservedPrefix) {
			return true, p.errf(k, f, "names starting with %s are reserved", reservedPrefix)
		}
		if v.Kind != yaml.ScalarNode {
			return true, p.errf(v, f, "must be a string")
		}
		return true, put(key, v.Value, v)
	})
}

// CheckSecretRef reports whether ref is "env:NAME" or "file:/absolute/path".
func CheckSecretRef(ref string) error {
	switch {
	case strings.HasPrefix(ref, "env:"):
		if !varName.MatchString(ref[4:]) {
			return fmt.Errorf("env: reference must name an environment variable, got %q", ref)
		}
	case strings.HasPrefix(ref, "file:"):
		if !strings.HasPrefix(ref[5:], "/") {
			return fmt.Errorf("file: reference must be an absolute path, got %q", ref)
		}
	default:
		return fmt.Errorf("must be env:NAME or file:/path, got %q", ref)
	}
	return nil
}

func (p *parser) phases(n *yaml.Node) ([]Phase, error) {
	byName := map[string]Phase{}
	err := p.fields(n, "phases", func(key string, k, v *yaml.Node) (bool, error) {
		switch key {
		case Install, PreBuild, Build, PostBuild:
		default:
			return true, p.errf(k, "phases."+key, "is not a phase (install, pre_build, build, post_build)")
		}
		ph, err := p.phase(key, v)
		byName[key] = ph
		return true, err
	})
	if err != nil {
		return nil, err
	}
	var out []Phase
	for _, name := range PhaseNames {
		if ph, ok := byName[name]; ok {
			out = append(out, ph)
		}
	}
	return out, nil
}

func (p *parser) phase(name string, n *yaml.Node) (Phase, error) {
	ph := Phase{Name: name}
	path := "phases." + name
	err := p.fields(n, path, func(key string, k, v *yaml.Node) (bool, error) {
		var err error
		field := path + "." + key
		switch key {
		case "commands":
			ph.Commands, err = p.strings(v, field)
		case "finally":
			ph.Finally, err = p.strings(v, field)
		case "on-failure":
			var s string
			if s, err = p.scalar(v, field); err == nil {
				switch s {
				case OnFailureAbort, OnFailureContinue:
					ph.OnFailure = s
				default:
					err = p.errf(v, field, "must be ABORT or CONTINUE, got %q", s)
				}
			}
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return ph, err
	}
	if len(ph.Commands) == 0 {
		return ph, p.errf(n, path+".commands", "is required")
	}
	return ph, nil
}

// checkRelative refuses absolute paths and paths that climb out of the
// source directory: artifacts, caches and reports stay inside it.
func (p *parser) checkRelative(n *yaml.Node, field, s string) error {
	if strings.HasPrefix(s, "/") {
		return p.errf(n, field, "must be relative to the source directory, got %q", s)
	}
	for _, part := range strings.Split(s, "/") {
		if part == ".." {
			return p.errf(n, field, "must not contain .., got %q", s)
		}
	}
	return nil
}

func (p *parser) globs(v *yaml.Node, field string) ([]string, error) {
	gs, err := p.strings(v, field)
	if err != nil {
		return nil, err
	}
	for i, g := range gs {
		at := v
		if v.Kind == yaml.SequenceNode {
			at = resolve(v.Content[i])
		}
		if err := p.checkRelative(at, fmt.Sprintf("%s[%d]", field, i), g); err != nil {
			return nil, err
		}
	}
	return gs, nil
}

func (p *parser) artifacts(n *yaml.Node) (*Artifacts, error) {
	a := &Artifacts{}
	err := p.fields(n, "artifacts", func(key string, k, v *yaml.Node) (bool, error) {
		var err error
		field := "artifacts." + key
		switch key {
		case "files":
			a.Files, err = p.globs(v, field)
		case "base-directory":
			if a.BaseDirectory, err = p.scalar(v, field); err == nil {
				err = p.checkRelative(v, field, a.BaseDirectory)
			}
		case "discard-paths":
			a.DiscardPaths, err = p.boolean(v, field)
		case "name":
			a.Name, err = p.scalar(v, field)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if len(a.Files) == 0 {
		return nil, p.errf(n, "artifacts.files", "is required")
	}
	return a, nil
}

func (p *parser) cache(n *yaml.Node) (*Cache, error) {
	c := &Cache{}
	err := p.fields(n, "cache", func(key string, k, v *yaml.Node) (bool, error) {
		if key != "paths" {
			return false, nil
		}
		var err error
		c.Paths, err = p.globs(v, "cache.paths")
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if len(c.Paths) == 0 {
		return nil, p.errf(n, "cache.paths", "is required")
	}
	return c, nil
}

func (p *parser) reports(n *yaml.Node) ([]ReportGroup, error) {
	var out []ReportGroup
	err := p.fields(n, "reports", func(name string, k, v *yaml.Node) (bool, error) {
		g := ReportGroup{Name: name}
		path := "reports." + name
		err := p.fields(v, path, func(key string, k, v *yaml.Node) (bool, error) {
			var err error
			field := path + "." + key
			switch key {
			case "files":
				g.Files, err = p.globs(v, field)
			case "base-directory":
				if g.BaseDirectory, err = p.scalar(v, field); err == nil {
					err = p.checkRelative(v, field, g.BaseDirectory)
				}
			case "discard-paths":
				g.DiscardPaths, err = p.boolean(v, field)
			case "file-format":
				var f string
				if f, err = p.scalar(v, field); err == nil && f != "JUNITXML" {
					err = p.errf(v, field, "must be JUNITXML, got %q", f)
				}
			default:
				return false, nil
			}
			return true, err
		})
		if err == nil && len(g.Files) == 0 {
			err = p.errf(v, path+".files", "is required")
		}
		out = append(out, g)
		return true, err
	})
	return out, err
}
