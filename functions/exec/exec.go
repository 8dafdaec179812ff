package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/functions"
)

// Type is the function type name used in configuration.
const Type = "exec"

// ExitPermanent is the exit status with which a program says that retrying
// cannot help: the invocation is dead-lettered at once.
const ExitPermanent = 3

func init() {
	functions.Register(functions.Spec{
		Type:    Type,
		Summary: "run a program: input JSON on stdin, CE_* environment, CloudEvents JSON lines on stdout are emitted",
		New:     New,
	})
}

// Function runs a program for each invocation.
type Function struct {
	name string
	cfg  Config
	path string // the program, resolved
	mask *functions.Masker
	log  zerolog.Logger
}

var _ functions.Function = (*Function)(nil)

// New is the exec factory: it decodes and validates the configuration and
// resolves the program once, so a typo fails at load, not at the first event.
func New(name string, decode func(v any) error, deps functions.Deps) (functions.Function, error) {
	var cfg Config
	if err := decode(&cfg); err != nil {
		return nil, fmt.Errorf("exec %q: %w", name, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("exec %q: %w", name, err)
	}
	cfg = cfg.withDefaults()
	m := functions.NewMasker(deps.Secrets...)
	if cfg.Dir != "" {
		if st, err := os.Stat(cfg.Dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("exec %q: dir: %q is not a directory", name, m.Mask(cfg.Dir))
		}
	}
	path, err := resolve(cfg.Command[0], cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("exec %q: command[0]: %s", name, m.Mask(err.Error()))
	}
	return &Function{name: name, cfg: cfg, path: path, mask: m, log: deps.Logger}, nil
}

// resolve finds the program the way exec.Cmd would at run time (a bare name
// through PATH, a relative path against dir) and checks it can be run.
func resolve(prog, dir string) (string, error) {
	if !strings.Contains(prog, "/") {
		p, err := osexec.LookPath(prog)
		if err != nil {
			return "", fmt.Errorf("%q not found in PATH", prog)
		}
		prog = p
	}
	if !filepath.IsAbs(prog) {
		base := dir
		if base == "" {
			wd, err := os.Getwd()
			if err != nil {
				return "", fmt.Errorf("resolve %q: %w", prog, err)
			}
			base = wd
		} else if !filepath.IsAbs(base) {
			abs, err := filepath.Abs(base)
			if err != nil {
				return "", fmt.Errorf("resolve %q: %w", prog, err)
			}
			base = abs
		}
		prog = filepath.Join(base, prog)
	}
	st, err := os.Stat(prog)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q: %w", prog, err)
	case st.IsDir():
		return "", fmt.Errorf("%q is a directory", prog)
	case st.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("%q is not executable", prog)
	}
	return prog, nil
}

// Invoke runs the program once. See the package documentation for the
// protocol between the engine and the program.
func (f *Function) Invoke(ctx context.Context, inv functions.Invocation) (functions.Result, error) {
	input := []byte(inv.Input)
	if len(input) == 0 {
		b, err := json.Marshal(inv.Event)
		if err != nil {
			return functions.Result{}, functions.Permanent(fmt.Errorf("exec: encode event: %w", err))
		}
		input = b
	}
	runCtx := ctx
	if t := time.Duration(f.cfg.Timeout); t > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	log := f.log.With().Str("invocation", inv.ID).Int("attempt", inv.Attempt).Logger()
	out := &stdoutCollector{max: f.cfg.MaxOutputBytes, mask: f.mask, log: log}
	errs := &stderrCollector{max: f.cfg.MaxOutputBytes, mask: f.mask, log: log, tail: tail{max: tailBytes}}
	c := command{path: f.path, args: f.cfg.Command[1:], dir: f.cfg.Dir, env: environ(f.cfg, inv)}

	state, err := run(runCtx, c, input,
		func(r io.Reader) { scanLines(r, f.cfg.MaxOutputBytes+1, out.line) },
		func(r io.Reader) { scanLines(r, logLineBytes, errs.line) })
	if err != nil {
		return functions.Result{}, f.startError(err)
	}
	if err := f.classify(ctx, runCtx, state, errs.tail.String()); err != nil {
		return functions.Result{}, err
	}
	if out.err != nil {
		return functions.Result{}, functions.Permanent(fmt.Errorf("exec: %s: %w", f.prog(), out.err))
	}
	return functions.Result{Events: out.events}, nil
}

// classify maps how the program ended onto the invoker's vocabulary.
func (f *Function) classify(ctx, runCtx context.Context, state *os.ProcessState, stderrTail string) error {
	detail := ""
	if stderrTail != "" {
		detail = fmt.Sprintf("; stderr: %q", stderrTail)
	}
	if state.Exited() {
		switch code := state.ExitCode(); code {
		case 0:
			return nil
		case ExitPermanent:
			return functions.Permanent(fmt.Errorf("exec: %s exited with code %d%s", f.prog(), code, detail))
		default:
			return fmt.Errorf("exec: %s exited with code %d%s", f.prog(), code, detail)
		}
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("exec: %s killed: %w%s", f.prog(), ctx.Err(), detail)
	case runCtx.Err() != nil:
		return fmt.Errorf("exec: %s killed: timed out after %s%s", f.prog(), time.Duration(f.cfg.Timeout), detail)
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Errorf("exec: %s killed by signal %s%s", f.prog(), ws.Signal(), detail)
	}
	return fmt.Errorf("exec: %s ended: %s%s", f.prog(), state, detail)
}

// startError classifies a failure to start the program: a program that is
// gone or not runnable is a configuration problem, anything else (out of
// processes or file descriptors) may pass.
func (f *Function) startError(err error) error {
	permanent := errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ENOEXEC)
	// The text only: the os error quotes the path, which is masked here.
	err = fmt.Errorf("exec: start %s: %s", f.prog(), f.mask.Mask(err.Error()))
	if permanent {
		return functions.Permanent(err)
	}
	return err
}

// prog names the program in errors: its base name only, since the arguments
// may carry secrets.
func (f *Function) prog() string {
	return fmt.Sprintf("%q", f.mask.Mask(filepath.Base(f.path)))
}
