#!/bin/sh
# Demo function: the exec function gives the input on stdin and the event's
# attributes as CE_* variables; what a function writes to stderr is logged.
printf 'printer: %s from %s (id %s, invocation %s, attempt %s)\n' \
  "$CE_TYPE" "$CE_SOURCE" "$CE_ID" "$CB_INVOCATION_ID" "$CB_ATTEMPT" >&2
printf 'printer: input: ' >&2
cat >&2
printf '\n' >&2
