#!/bin/sh
# Starts a background child, writes its pid to $CHILD_PID (if set), says it
# has started by creating $STARTED (if set), then waits forever.
sleep 1000 &
child=$!
if [ -n "$CHILD_PID" ]; then
	echo "$child" >"$CHILD_PID.tmp" && mv "$CHILD_PID.tmp" "$CHILD_PID"
fi
if [ -n "$STARTED" ]; then
	: >"$STARTED"
fi
wait
