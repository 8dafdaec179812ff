// Package runner runs the phases of a parsed buildspec in one bash session,
// streaming masked output line by line.
//
// How commands reach bash: every command of the buildspec is written
// verbatim to its own file in a private directory, and a fixed driver script
// (driver.sh, embedded) reads operations such as "run 7" from file
// descriptor 3 and sources the matching file. The driver is the only code
// that codebridge writes; the command text comes from the repository's
// buildspec, which is trusted; nothing from an event (branch names, pull
// request titles, commit messages) is ever put into a file that bash reads:
// such values reach commands only as environment variables. Because every
// command is sourced by the same shell, variables and the working directory
// persist from one command to the next, as in CodeBuild's buildspec 0.2.
//
// After each command the driver prints a marker line, an ASCII record
// separator followed by a random per-build nonce, the command number and its
// exit status, on the same pipe as the output, so the runner knows which
// output came before the command ended.
//
// Phase transitions follow CodeBuild (docs: "Build phase transitions" and
// the buildspec reference):
//   - a failing command fails its phase and skips the phase's remaining
//     commands; the phase's finally commands still run, and a failing
//     finally command fails the phase too;
//   - without on-failure, a failed install or pre_build ends the build (no
//     later phase runs, not even post_build), and a failed build still runs
//     post_build, with CODEBRIDGE_BUILD_SUCCEEDING=0;
//   - on-failure: ABORT ends the build after the failed phase;
//     on-failure: CONTINUE runs the next phases as if it had passed, but the
//     build is still FAILED.
//
// A command that makes the shell exit (exit 1, or set -e then a failure)
// fails with the shell's status; later commands that still have to run
// (finally, post_build) run in a fresh shell that has lost the variables and
// directory of the old one, which is logged.
//
// The shell runs in its own process group. When ctx is done the whole group
// is killed with SIGKILL and the build ends TIMED_OUT if the context's cause
// is a deadline, STOPPED otherwise. Background processes still alive at the
// end of a build are killed too.
package runner
