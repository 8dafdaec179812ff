#!/bin/sh
# Leaves a background child running and exits 0 at once.
sleep 1000 &
echo "$!" >"$CHILD_PID.tmp" && mv "$CHILD_PID.tmp" "$CHILD_PID"
exit 0
