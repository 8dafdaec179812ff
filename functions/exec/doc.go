// Package exec is the "exec" function type: it runs a program for each
// invocation.
//
// The program is started directly (never through a shell), so nothing from an
// event can become shell code. It reads the invocation's input JSON on stdin
// and finds the event's attributes in its environment (CE_ID, CE_TYPE,
// CE_SOURCE, CE_SUBJECT, CE_TIME) together with CB_INVOCATION_ID, CB_ATTEMPT,
// CB_RULE and CB_FUNCTION. Each line it writes to stdout that is a CloudEvent
// in JSON (structured) form is emitted; other stdout lines are logged at debug
// level, stderr lines at info level, with every configured secret masked.
//
// Exit status 0 is success, 3 (ExitPermanent) a permanent failure that is
// dead-lettered at once, anything else (another status, a signal, the
// timeout) a failure that the invoker retries. The program runs in a process
// group of its own; on timeout or cancellation the whole group is killed, and
// whatever the program left running in its group is killed when it exits.
//
//	functions:
//	  audit:
//	    type: exec
//	    command: [ ./scripts/audit.sh, --strict ]
//	    dir: /srv/audit            # working directory (default: the engine's)
//	    env: { AUDIT_TOKEN: "${AUDIT_TOKEN}" }
//	    timeout: 10s               # the engine's invocation deadline; the group is killed at it
//	    inheritEnv: false          # true: pass the engine's whole environment
//	    maxOutputBytes: 1048576    # stdout bound; past it the invocation fails
package exec
