package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"sync"
	"syscall"
	"time"
)

const (
	// waitDelay bounds how long Wait waits for the program's I/O after a kill.
	waitDelay = time.Second
	// drainDelay bounds how long output is still read once the program and
	// its group are gone: only a process that left the group (setsid) can hold
	// a pipe open that long.
	drainDelay = 2 * time.Second
)

// command is a resolved program invocation.
type command struct {
	path string
	args []string
	dir  string
	env  []string
}

// run starts the program in a process group of its own with stdin on its
// standard input and hands its stdout and stderr to the two readers. It
// returns once the program has exited (or was killed because ctx is done),
// whatever it left in its group has been killed, and its output is read.
//
// The pipes are plain files rather than exec's copying goroutines so that
// Wait returns as soon as the program exits, and the group is killed at that
// moment instead of after WaitDelay.
func run(ctx context.Context, c command, stdin []byte, stdout, stderr func(io.Reader)) (*os.ProcessState, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("create stdin pipe: %w", err)
	}
	defer inR.Close()
	defer inW.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("create stdout pipe: %w", err)
	}
	defer outR.Close()
	defer outW.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("create stderr pipe: %w", err)
	}
	defer errR.Close()
	defer errW.Close()

	cmd := osexec.CommandContext(ctx, c.path, c.args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = waitDelay
	err = cmd.Start()
	// The child holds its own copies; the parent's must go so that the
	// readers see EOF when the child's side closes.
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		return nil, err
	}
	pid := cmd.Process.Pid

	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		defer inW.Close()
		// EPIPE when the program does not read its input is fine.
		_, _ = inW.Write(stdin)
	}()
	go func() { defer wg.Done(); stdout(outR) }()
	go func() { defer wg.Done(); stderr(errR) }()

	waitErr := cmd.Wait()
	// An invocation leaves no processes behind; killing the group also closes
	// the pipes that background children still hold.
	_ = killGroup(pid)

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	timer := time.NewTimer(drainDelay)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		// Closing our ends unblocks the readers and the stdin writer.
		inW.Close()
		outR.Close()
		errR.Close()
		<-done
	}
	if cmd.ProcessState == nil {
		return nil, waitErr
	}
	return cmd.ProcessState, nil
}

// killGroup kills the process group led by pid.
func killGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
