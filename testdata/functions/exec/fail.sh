#!/bin/sh
# Writes to stderr and exits with $FAIL_CODE (default 1).
cat >/dev/null
echo "first stderr line" >&2
echo "failing with code ${FAIL_CODE:-1}" >&2
exit "${FAIL_CODE:-1}"
