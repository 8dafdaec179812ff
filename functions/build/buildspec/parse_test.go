package buildspec

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseFull(t *testing.T) {
	s, err := ParseFile(filepath.Join("..", "..", "..", "testdata", "buildspecs", "full.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "0.2" || s.Env.Shell != "bash" {
		t.Errorf("version/shell = %q/%q", s.Version, s.Env.Shell)
	}
	if got := s.Env.SortedVariables(); !reflect.DeepEqual(got, []string{"GO_VERSION=1.26", "GREETING=hello world"}) {
		t.Errorf("variables = %q", got)
	}
	if s.Env.Secrets["TOKEN"] != "env:CB_TEST_TOKEN" || s.Env.Secrets["KEY"] != "file:/run/secrets/key" {
		t.Errorf("secrets = %v", s.Env.Secrets)
	}
	if !reflect.DeepEqual(s.Env.ExportedVariables, []string{"VERSION"}) {
		t.Errorf("exported = %v", s.Env.ExportedVariables)
	}
	var names []string
	for _, p := range s.Phases {
		names = append(names, p.Name)
	}
	if !reflect.DeepEqual(names, PhaseNames) {
		t.Errorf("phases = %v", names)
	}
	b, _ := s.Phase(Build)
	if b.OnFailure != OnFailureContinue || len(b.Commands) != 2 || b.Commands[1] != "echo built: $VERSION > out/bin/app" || len(b.Finally) != 1 {
		t.Errorf("build phase = %+v", b)
	}
	if in, _ := s.Phase(Install); in.OnFailure != OnFailureAbort {
		t.Errorf("install on-failure = %q", in.OnFailure)
	}
	want := &Artifacts{Files: []string{"**/*"}, BaseDirectory: "out", DiscardPaths: true, Name: "app-$VERSION"}
	if !reflect.DeepEqual(s.Artifacts, want) {
		t.Errorf("artifacts = %+v", s.Artifacts)
	}
	if s.Cache == nil || !reflect.DeepEqual(s.Cache.Paths, []string{".cache/**/*"}) {
		t.Errorf("cache = %+v", s.Cache)
	}
	if len(s.Reports) != 1 || s.Reports[0].Name != "unit" || s.Reports[0].Files[0] != "reports/*.xml" {
		t.Errorf("reports = %+v", s.Reports)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"empty", "", "x.yml: is empty"},
		{"bad yaml", "version: [", "x.yml: not valid YAML"},
		{"no version", "phases: {build: {commands: [a]}}", "x.yml:1:1: version: is required"},
		{"old version", "version: 0.1\nphases: {build: {commands: [a]}}", "x.yml:1:10: version: must be 0.2"},
		{"no phases", "version: 0.2", "x.yml:1:1: phases: is required"},
		{"unknown top", "version: 0.2\nphase: {}\n", "x.yml:2:1: phase: is not a known field"},
		{"unknown phase", "version: 0.2\nphases:\n  test:\n    commands: [a]\n", "x.yml:3:3: phases.test: is not a phase"},
		{"command mapping", "version: 0.2\nphases:\n  build:\n    commands:\n      - echo a: b\n", "x.yml:5:9: phases.build.commands[0]: must be a string"},
		{"no commands", "version: 0.2\nphases:\n  build:\n    finally: [a]\n", "x.yml:4:5: phases.build.commands: is required"},
		{"on-failure", "version: 0.2\nphases:\n  build:\n    on-failure: RETRY\n    commands: [a]\n", "x.yml:4:17: phases.build.on-failure: must be ABORT or CONTINUE"},
		{"runtime-versions", "version: 0.2\nphases:\n  install:\n    runtime-versions: {go: 1.21}\n    commands: [a]\n", "phases.install.runtime-versions: is not supported"},
		{"parameter-store", "version: 0.2\nenv:\n  parameter-store: {A: b}\nphases: {build: {commands: [a]}}", "x.yml:3:3: env.parameter-store: is not supported"},
		{"bad var name", "version: 0.2\nenv:\n  variables: {'A-B': x}\nphases: {build: {commands: [a]}}", "env.variables.A-B: \"A-B\" is not a variable name"},
		{"reserved var", "version: 0.2\nenv:\n  variables: {CODEBRIDGE_BUILD_ID: x}\nphases: {build: {commands: [a]}}", "names starting with CODEBRIDGE_ are reserved"},
		{"bad secret ref", "version: 0.2\nenv:\n  secrets: {T: vault:x}\nphases: {build: {commands: [a]}}", "x.yml:3:16: env.secrets.T: must be env:NAME or file:/path"},
		{"relative secret file", "version: 0.2\nenv:\n  secrets: {T: 'file:key'}\nphases: {build: {commands: [a]}}", "file: reference must be an absolute path"},
		{"shell", "version: 0.2\nenv: {shell: sh}\nphases: {build: {commands: [a]}}", "env.shell: must be bash"},
		{"exported name", "version: 0.2\nenv: {exported-variables: ['$X']}\nphases: {build: {commands: [a]}}", "env.exported-variables[0]"},
		{"artifact escape", "version: 0.2\nphases: {build: {commands: [a]}}\nartifacts:\n  files: ['../secret']\n", "x.yml:4:11: artifacts.files[0]: must not contain .."},
		{"artifact absolute base", "version: 0.2\nphases: {build: {commands: [a]}}\nartifacts:\n  files: [a]\n  base-directory: /etc\n", "artifacts.base-directory: must be relative"},
		{"artifact no files", "version: 0.2\nphases: {build: {commands: [a]}}\nartifacts: {name: x}\n", "artifacts.files: is required"},
		{"discard-paths", "version: 0.2\nphases: {build: {commands: [a]}}\nartifacts: {files: [a], discard-paths: maybe}\n", "artifacts.discard-paths: must be yes or no"},
		{"cache absolute", "version: 0.2\nphases: {build: {commands: [a]}}\ncache: {paths: ['/root/.m2/**/*']}\n", "cache.paths[0]: must be relative"},
		{"report format", "version: 0.2\nphases: {build: {commands: [a]}}\nreports: {unit: {files: [a.xml], file-format: CUCUMBERJSON}}\n", "reports.unit.file-format: must be JUNITXML"},
		{"report no files", "version: 0.2\nphases: {build: {commands: [a]}}\nreports: {unit: {base-directory: r}}\n", "reports.unit.files: is required"},
		{"duplicate key", "version: 0.2\nversion: 0.2\nphases: {build: {commands: [a]}}", "x.yml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseSingleStringCommand(t *testing.T) {
	s, err := Parse("x.yml", []byte("version: 0.2\nphases:\n  build:\n    commands: make\n"))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Phase(Build); !reflect.DeepEqual(b.Commands, []string{"make"}) {
		t.Errorf("commands = %q", b.Commands)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("version: 0.2\nphases: {build: {commands: [a]}}"))
	f.Add([]byte("version: 0.2\nenv: {variables: {A: b}}\nphases: {build: {commands: [a], finally: [b]}}\nreports: {u: {files: [x]}}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse("f.yml", b)
		if err == nil && s == nil {
			t.Fatal("nil spec without error")
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error %v does not wrap ErrInvalid", err)
		}
	})
}
