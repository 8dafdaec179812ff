#!/bin/sh
# Demo function: reads its input ({"who": ..., "commit": ...}) and emits a
# follow-up CloudEvent by printing it as one JSON line on stdout.
input=$(cat)
printf '{"specversion":"1.0","type":"com.example.demo.greeting","source":"codebridge://demo/greeter","id":"greeting-%s","datacontenttype":"application/json","data":%s}\n' \
  "$CB_INVOCATION_ID" "$input"
