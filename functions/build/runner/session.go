package runner

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

//go:embed driver.sh
var driverScript []byte

// maxLine bounds one log line; longer output is split.
const maxLine = 64 << 10

// markerByte starts every driver acknowledgement (ASCII record separator).
const markerByte = '\x1e'

// ack is the driver's answer to one operation.
type ack struct {
	id string // command number or operation name
	rc int
}

// session is one running bash driver.
type session struct {
	cmd      *exec.Cmd
	ctrl     *os.File
	acks     chan ack
	exited   chan struct{} // closed when bash has exited
	exitRC   int           // valid after exited is closed
	pgid     int
	readDone chan struct{}
}

// startSession starts bash on the driver in dir with env. Output lines go to
// emit (unmasked; the caller masks).
func startSession(priv, dir, nonce string, env []string, emit func(string)) (*session, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("runner: output pipe: %w", err)
	}
	cr, cw, err := os.Pipe()
	if err != nil {
		pr.Close()
		pw.Close()
		return nil, fmt.Errorf("runner: control pipe: %w", err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", filepath.Join(priv, "driver.sh"), priv, nonce)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = pw
	cmd.Stderr = pw
	cmd.ExtraFiles = []*os.File{cr} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		cr.Close()
		cw.Close()
		return nil, fmt.Errorf("runner: start bash: %w", err)
	}
	// The child holds its own copies; ours would keep the pipes open forever.
	pw.Close()
	cr.Close()
	s := &session{
		cmd:      cmd,
		ctrl:     cw,
		acks:     make(chan ack, 16),
		exited:   make(chan struct{}),
		pgid:     cmd.Process.Pid,
		readDone: make(chan struct{}),
	}
	go s.read(pr, nonce, emit)
	go func() {
		err := cmd.Wait()
		s.exitRC = exitCode(err)
		close(s.exited)
	}()
	return s, nil
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return -1
}

// read splits the output into lines, passes them on and turns marker lines
// into acks. It ends when every process holding the pipe has gone.
func (s *session) read(r io.ReadCloser, nonce string, emit func(string)) {
	defer close(s.readDone)
	defer r.Close()
	mark := string(markerByte) + nonce + " "
	br := bufio.NewReaderSize(r, maxLine)
	for {
		// A line longer than the buffer comes back in maxLine pieces.
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			s.line(strings.TrimSuffix(strings.TrimSuffix(string(chunk), "\n"), "\r"), mark, emit)
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// line handles one output line: text before a marker is output (a command
// that printed no final newline), the marker itself is an ack.
func (s *session) line(line, mark string, emit func(string)) {
	if i := strings.Index(line, mark); i >= 0 {
		if a, ok := parseAck(line[i+len(mark):]); ok {
			if i > 0 {
				emit(line[:i])
			}
			select {
			case s.acks <- a:
			default: // nobody waits for it any more
			}
			return
		}
	}
	emit(line)
}

func parseAck(s string) (ack, bool) {
	id, rc, ok := strings.Cut(s, " ")
	if !ok {
		return ack{}, false
	}
	n, err := strconv.Atoi(rc)
	if err != nil {
		return ack{}, false
	}
	return ack{id: id, rc: n}, true
}

// errShellExited means bash ended while an operation was in flight.
var errShellExited = errors.New("the shell exited")

// do sends one operation and waits for its acknowledgement. It returns
// errShellExited (with the shell's status) if bash ends first, or ctx's
// error.
func (s *session) do(ctx context.Context, op, id string) (int, error) {
	if _, err := io.WriteString(s.ctrl, op+"\n"); err != nil {
		<-s.exited
		return s.exitRC, errShellExited
	}
	for {
		select {
		case a := <-s.acks:
			if a.id == id {
				return a.rc, nil
			}
		case <-s.exited:
			// The shell may have acked just before exiting.
			select {
			case a := <-s.acks:
				if a.id == id {
					return a.rc, nil
				}
			default:
			}
			return s.exitRC, errShellExited
		case <-ctx.Done():
			return -1, ctx.Err()
		}
	}
}

// kill ends the whole process group, background jobs included.
func (s *session) kill() {
	_ = syscall.Kill(-s.pgid, syscall.SIGKILL)
}

// close asks bash to exit, then kills whatever it left behind and waits for
// the output to drain.
func (s *session) close(ctx context.Context) {
	select {
	case <-s.exited:
	default:
		_, _ = io.WriteString(s.ctrl, "exit\n")
		select {
		case <-s.exited:
		case <-ctx.Done():
		}
	}
	s.kill()
	s.ctrl.Close()
	<-s.exited
	<-s.readDone
}

// writeFiles lays out the private directory: the driver, one file per
// command and the list of exported variable names.
func writeFiles(priv string, commands []string, exports []string) error {
	if err := os.WriteFile(filepath.Join(priv, "driver.sh"), driverScript, 0o600); err != nil {
		return fmt.Errorf("runner: write driver: %w", err)
	}
	for i, c := range commands {
		if err := os.WriteFile(filepath.Join(priv, fmt.Sprintf("cmd-%d.sh", i)), []byte(c+"\n"), 0o600); err != nil {
			return fmt.Errorf("runner: write command %d: %w", i, err)
		}
	}
	var b bytes.Buffer
	for _, e := range exports {
		b.WriteString(e + "\n")
	}
	if err := os.WriteFile(filepath.Join(priv, "exports"), b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("runner: write exports: %w", err)
	}
	return nil
}
