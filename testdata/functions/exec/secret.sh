#!/bin/sh
# Leaks $TOKEN everywhere it can: stderr, a stdout text line and an event.
cat >/dev/null
echo "log: using token $TOKEN"
printf '{"specversion":"1.0","id":"s-1","source":"/scripts/secret","type":"com.example.secret","data":{"token":"%s"}}\n' "$TOKEN"
echo "auth failed for token $TOKEN" >&2
exit "${FAIL_CODE:-0}"
