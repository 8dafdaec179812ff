#!/bin/sh
# Emits its environment as the data of a CloudEvent (test values hold no
# characters that JSON would need escaped).
cat >/dev/null
printf '{"specversion":"1.0","id":"env","source":"/scripts/env","type":"com.example.env","data":{'
printf '"CE_ID":"%s","CE_TYPE":"%s","CE_SOURCE":"%s","CE_SUBJECT":"%s","CE_TIME":"%s",' \
	"$CE_ID" "$CE_TYPE" "$CE_SOURCE" "$CE_SUBJECT" "$CE_TIME"
printf '"CB_INVOCATION_ID":"%s","CB_ATTEMPT":"%s","CB_RULE":"%s","CB_FUNCTION":"%s",' \
	"$CB_INVOCATION_ID" "$CB_ATTEMPT" "$CB_RULE" "$CB_FUNCTION"
printf '"CUSTOM":"%s","PATH":"%s","LEAK":"%s","PWD":"%s"}}\n' "$CUSTOM" "$PATH" "$CB_TEST_LEAK" "$(pwd)"
