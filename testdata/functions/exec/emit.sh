#!/bin/sh
# Emits one CloudEvent about the event it was given.
cat >/dev/null
printf '{"specversion":"1.0","id":"%s-done","source":"/scripts/emit","type":"com.example.emitted","subject":"%s","data":{"attempt":%s}}\n' \
	"$CB_INVOCATION_ID" "$CE_ID" "$CB_ATTEMPT"
