package exec

import (
	"bytes"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

const (
	// logLineBytes bounds one logged line of program output.
	logLineBytes = 4 << 10
	// tailBytes bounds the stderr tail quoted in an error.
	tailBytes = 2 << 10
)

// stdoutCollector turns a program's stdout into events. It is fed from one
// goroutine and read after that goroutine is done.
type stdoutCollector struct {
	max    int
	mask   *functions.Masker
	log    zerolog.Logger
	read   int
	lineNo int
	events []events.Event
	// err is the first reason the output cannot be trusted (an invalid event,
	// too much output); it makes a successful exit a permanent failure.
	err error
}

func (c *stdoutCollector) line(b []byte, _ bool) bool {
	c.lineNo++
	c.read += len(b) + 1
	if c.read > c.max {
		c.err = fmt.Errorf("stdout exceeds maxOutputBytes (%d bytes); write logs to stderr", c.max)
		return false
	}
	// Masked before parsing, so a secret never leaves in an emitted event.
	s := c.mask.Mask(string(b))
	ev, isEvent, err := parseLine([]byte(s))
	switch {
	case err != nil:
		c.err = fmt.Errorf("stdout line %d: invalid CloudEvent: %w", c.lineNo, err)
		return false
	case isEvent:
		c.events = append(c.events, ev)
	case len(bytes.TrimSpace(b)) > 0:
		c.log.Debug().Str("stream", "stdout").Msg(truncate(s, logLineBytes))
	}
	return true
}

// stderrCollector logs a program's stderr and keeps its tail for the error.
type stderrCollector struct {
	max    int // bytes logged before logging stops
	mask   *functions.Masker
	log    zerolog.Logger
	logged int
	quiet  bool
	tail   tail
}

func (c *stderrCollector) line(b []byte, cut bool) bool {
	var s string
	if cut {
		s = c.mask.MaskCut(string(b)) + "…"
	} else {
		s = c.mask.Mask(string(b))
	}
	c.tail.add(s)
	switch {
	case c.logged < c.max:
		c.logged += len(s)
		c.log.Info().Str("stream", "stderr").Msg(s)
	case !c.quiet:
		c.quiet = true
		c.log.Warn().Int("bytes", c.logged).Msg("stderr: further output not logged")
	}
	return true
}
