#!/bin/sh
# Mixed stdout: text, blank lines, a JSON log line, a full CloudEvent and a
# short one whose specversion, id and time are filled in.
cat >/dev/null
echo "building..."
echo ""
echo '{"level":"info","msg":"a structured log line, not an event"}'
echo '[1,2,3]'
echo '{"specversion":"1.0","id":"full-1","source":"/scripts/output","type":"com.example.full","data":{"ok":true}}'
echo '{not json'
echo '{"type":"com.example.short","source":"/scripts/output"}'
echo "done"
