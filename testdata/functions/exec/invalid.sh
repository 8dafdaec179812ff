#!/bin/sh
# Line 2 is meant as a CloudEvent but has no source.
cat >/dev/null
echo '{"specversion":"1.0","id":"ok-1","source":"/scripts/invalid","type":"com.example.fine"}'
echo '{"specversion":"1.0","id":"bad-1","type":"com.example.broken"}'
