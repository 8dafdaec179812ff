// Package build is the "build" function type: it checks a commit out, runs
// its buildspec.yml (see package buildspec) in one bash session and tells
// the world how it went, like AWS CodeBuild.
//
// A rule sends it a repository event: referenceCreated/referenceUpdated
// (the pushed commit), a pullRequest* event (the source commit) or a
// comment event with a commit id. Any other event (a schedule, say) builds
// the head of the configured repository and branch.
//
// # Running
//
// The repository is cloned into a fresh workspace under workdir from a local
// mirror kept under the function's data directory (git clone --mirror once,
// git fetch afterwards, then git clone --shared from the mirror), so a
// repeat build fetches only what is new; the workspace is removed
// afterwards. The worker's own environment is not passed on: commands see
// PATH, HOME, USER, LOGNAME, LANG, LC_ALL, TZ and TMPDIR, the function's
// environment, the buildspec's variables and secrets, and the CODEBRIDGE_*
// variables below. Untrusted text from the event (branch names, titles,
// authors) reaches commands only through these variables.
//
//	CODEBRIDGE_BUILD_ID, CODEBRIDGE_BUILD_NUMBER, CODEBRIDGE_PROJECT,
//	CODEBRIDGE_SRC_DIR, CODEBRIDGE_SOURCE_VERSION (the commit, or pr/<id>),
//	CODEBRIDGE_RESOLVED_SOURCE_VERSION (the commit), CODEBRIDGE_SOURCE_REPO_URL,
//	CODEBRIDGE_WEBHOOK_EVENT (PUSH, PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, ...),
//	CODEBRIDGE_WEBHOOK_TRIGGER (branch/<name>, tag/<name>, pr/<id>),
//	CODEBRIDGE_WEBHOOK_HEAD_REF, CODEBRIDGE_WEBHOOK_BASE_REF,
//	CODEBRIDGE_BUILD_SUCCEEDING, CODEBRIDGE_INITIATOR,
//	CODEBRIDGE_PULL_REQUEST_ID, CODEBRIDGE_PULL_REQUEST_TITLE
//
// env.secrets are resolved by a SecretProvider ("env:NAME" or "file:/path"
// by default) and masked, with the configuration's secrets, in every log
// line, message and event (exact value, base64 and URL-encoded forms).
// Builds of pull requests from forks get no secrets unless the function's
// secretsForForks is true.
//
// # Storage (JetStream)
//
//   - KV bucket CB_BUILDS: one Record per build, key = build id
//     (<project>-<number>).
//   - KV bucket CB_BUILD_STATE: build numbers per project (compare-and-set),
//     the current build per project and branch or pull request (superseding),
//     stop requests, badge states and the build of each invocation id.
//   - Stream CB_BUILD_LOGS: subject cb.buildlogs.<build id>, one message per
//     line; the last message of a build has the header Cb-Log-End.
//   - Object stores CB_ARTIFACTS (one zip per build, named by build id) and
//     CB_CACHE (one tar.gz per project and branch, falling back to the
//     project's default branch).
//
// # Events
//
// build.stateChanged IN_PROGRESS and every build.phaseChanged are published
// as they happen; the final build.stateChanged (SUCCEEDED, FAILED, STOPPED,
// TIMED_OUT) is returned in the Result for the invoker to publish. All carry
// the triggering event's id and the rule's context.
//
// # Failures of the worker
//
// A running build updates a heartbeat in its record every heartbeat
// interval. The reaper (started by Start) marks any IN_PROGRESS record whose
// heartbeat is older than three intervals FAILED with the message
// "worker lost" and publishes build.stateChanged FAILED; the invocation is
// redelivered by JetStream, because the dead worker never acked it, and
// starts a fresh build. A build whose invocation context ends (the engine is
// shutting down) is recorded FAILED and Invoke returns a retryable error, so
// it too is built again. The same invocation delivered again after its build
// finished does not build twice: it returns the finished build's event.
//
// # Superseding
//
// With cancelSuperseded, starting a build for a pull request or branch makes
// it the current build of that project and pull request or branch (a KV key
// that running builds watch), and an older build still running there stops
// with the message "superseded by <commit>", on whatever worker it runs.
//
// # HTTP
//
// HTTPRoutes serves, from any instance (every instance reads the same
// buckets, so the engine need mount them once):
//
//	GET  /api/builds[?project=P][&limit=N]   {"builds": [Record, ...]} newest first
//	GET  /api/builds/{id}                    Record
//	GET  /api/builds/{id}/logs               text/plain; ?follow=1 or Accept:
//	                                         text/event-stream streams server-sent
//	                                         events ("data: <line>", then
//	                                         "event: end" with the status)
//	GET  /api/builds/{id}/artifacts          application/zip
//	POST /api/builds/{id}/stop               202 {"id": ..., "status": "STOPPING"}
//	GET  /badges/{project}/{branch}.svg      passing / failing / unknown
//
// Errors are {"error": "..."} with 400, 404, 409 or 503.
package build
