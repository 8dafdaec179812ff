#!/bin/sh
# Emits what it read on stdin (a JSON document) as the data of a CloudEvent.
input=$(cat)
printf '{"specversion":"1.0","id":"stdin","source":"/scripts/stdin","type":"com.example.stdin","data":%s}\n' "$input"
