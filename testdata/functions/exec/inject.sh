#!/bin/sh
# Echoes event text to stderr the safe way (quoted); if anything evaluated the
# text as shell code, a canary file would appear.
echo "subject: $CE_SUBJECT" >&2
echo "source: $CE_SOURCE" >&2
cat >&2
