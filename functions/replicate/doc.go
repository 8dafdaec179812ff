// Package replicate is the `type: replicate` function: on every reference
// change of a repository it mirrors the repository's branches and tags to
// other remotes ("regions"), so developers elsewhere read nearby and a copy
// exists.
//
//	functions:
//	  mirror-eu:
//	    type: replicate
//	    targets:
//	      - ssh://git@eu.example/app.git
//	      - { url: https://eu.example/app.git, name: eu, token: ${EU_TOKEN} }
//	      - file:///srv/mirror.git
//	    repositories: [ "acme/*" ]      # optional allow-list
//
// # What a run does
//
// The source is the event's data.repository.cloneURL (any event that has
// one; reference events are the usual trigger). A worker keeps a bare
// mirror of each source under its data directory and brings it up to date
// with `git fetch --prune` of refs/heads/* and refs/tags/* (the first run
// creates it). It then pushes to every target in parallel with
//
//	git push --porcelain --prune <target> +refs/heads/*:refs/heads/* +refs/tags/*:refs/tags/*
//
// which creates new refs, force-updates moved ones and deletes the ones the
// source no longer has, and nothing outside branches and tags (unlike
// --mirror, which would also push refs/remotes and the like). A source with
// no branch and no tag is refused: pruning would empty every target. A push
// does not change a target's HEAD (its default branch); that is set where
// the target is created.
//
// git runs without a shell, in its own process group that is killed as a
// whole on cancellation, never prompting (GIT_TERMINAL_PROMPT=0), limited to
// the file, git, ssh, http and https protocols. The clone URL comes from an
// event and is untrusted: it must be such a URL or an absolute path, may not
// start with '-' and is passed after "--".
//
// # Credentials and secrets
//
// An HTTPS token reaches git through GIT_ASKPASS: a fixed helper script in a
// private directory (mode 0700) prints the user name and token from
// variables set on git's environment only, so a token is never on a command
// line, in a remote URL or in the mirror's configuration. A password in a
// source clone URL is split off and given the same way. An SSH key file
// becomes GIT_SSH_COMMAND="ssh -i KEY -o IdentitiesOnly=yes -o
// StrictHostKeyChecking=accept-new". Every URL that is logged, stored or put
// in an event or error has its user information removed (RedactURL), and
// git's messages are masked with the engine's secrets and the tokens.
//
// # One run at a time per source, across workers
//
// Runs of one (function, source) are serialised by a lock in the JetStream
// KV bucket CB_REPLICATE_LOCKS: the key (a hash of the function's name and
// the source; two functions mirroring one source to different targets do
// not wait for each other) is taken with Create, which fails if it exists,
// refreshed every TTL/4 by its holder and deleted with the holder's last
// revision. The bucket's TTL (DefaultLockTTL) expires the lock of a worker
// that died.
//
// Events that arrive during a run are coalesced. An invocation that finds
// the lock held puts a dirty marker (key dirty.<hash> in CB_REPLICATION),
// tries the lock once more, and if it is still held succeeds without
// running git. A holder deletes the marker before it fetches, and after its
// run releases the lock and then looks at the marker: if set, it takes the
// lock again and runs again (if someone else has the lock by then, that one
// runs). A burst of pushes therefore costs at most two runs: the one that
// was going, and one follow-up that fetches everything the burst pushed.
//
// Why no update is lost: a waiter W sets the marker at time d, after its
// push reached the source. Every run fetches after it deleted the marker,
// so any run whose deletion comes after d covers W. W's second try for the
// lock comes after d; if it fails, a holder H has the lock. If nobody
// deletes the marker before H releases, H sees it after releasing (the
// release comes before the look), and then either H runs again or whoever
// took the lock after H's release runs, both after d.
//
// Crashes break "H sees it after releasing", and are handled in three ways:
//
//   - The dead holder's own invocation was not acknowledged, so JetStream
//     redelivers it. Its lock names its invocation id: a redelivery that
//     finds its own earlier attempt holding the lock waits until the lock
//     is released or expires (the bucket's TTL), then runs.
//   - A waiter that finds a lock whose last refresh is older than half the
//     TTL presumes its holder dead and, instead of succeeding, returns a
//     RetryAfter error timed for the lock's expiry.
//   - A waiter that finds the lock gone between its second try and its look
//     at the holder (expired, or released) tries again rather than trust a
//     holder that may not exist; it does not set the marker again, since
//     the one it set still stands or was cleared by a run that covers it.
//
// A run that fails (a target down) leaves the marker for its own retry. A
// half-done fetch or push is harmless: the next run fetches and pushes the
// whole state again. A holder stalled past the TTL loses its lock at the
// next refresh and stops (ErrLockLost), so two workers do not push at once
// for longer than one refresh period.
//
// # Partial failure and status
//
// Per (function, source, target) the bucket CB_REPLICATION keeps a
// TargetStatus under state.<hash>: last success and attempt, last error,
// consecutive failures, lag, and a digest of the source refs last pushed.
// A target whose last push succeeded with the same digest as the source's
// current state is not pushed again, so a retry after a partial failure
// pushes only to the targets that failed. Failures are retryable; the
// engine retries with backoff and dead-letters after the rule's policy.
// Status reads the bucket; GET /api/replication serves it.
//
// # Events
//
// Each pushed target yields dev.codebridge.replication.completed, each
// failed one dev.codebridge.replication.failed (events.ReplicationData: the
// refs that changed, from `git push --porcelain`; objects and bytes from
// git's "Writing objects" line; duration; lag from the triggering event's
// time to the target's update). On success they are the invocation's
// Result; when the invocation fails (and the engine would drop its Result)
// they are published to the event stream directly. git's progress is
// logged at most every five seconds per target.
package replicate
