#!/bin/sh
# Succeeds; records the invocation id in $DELIVERIES (if set) so a test can
# check that the id reaches the program.
cat >/dev/null
if [ -n "$DELIVERIES" ]; then
	printf '%s\n' "$CB_INVOCATION_ID" >>"$DELIVERIES"
fi
exit 0
