#!/bin/sh
# Writes $FLOOD_BYTES bytes of text to stdout.
cat >/dev/null
head -c "$FLOOD_BYTES" /dev/zero | tr '\000' 'x'
echo
