#!/usr/bin/env bash
# A stand-in for a test suite, for engine/prflow_test.go. Three test cases:
# calc.TestAdd and calc.TestSub always pass; calc.TestGreeting passes only
# when greeting.txt says "hello". The JUnit report goes to reports/unit.xml
# and the script fails when a test failed, as test runners do.
#
# A commit that has a file named "gate" makes the run wait: gate holds a
# directory, the script creates <dir>/running and then blocks reading the
# FIFO <dir>/release. The test uses it to keep a build running until a newer
# commit supersedes it.
set -euo pipefail

if [ -f gate ]; then
	gate_dir=$(cat gate)
	: > "$gate_dir/running"
	read -r _ < "$gate_dir/release"
fi

failures=0
greeting_case='<testcase classname="calc" name="TestGreeting" time="0.001"/>'
if [ "$(cat greeting.txt 2>/dev/null || true)" != "hello" ]; then
	failures=1
	greeting_case='<testcase classname="calc" name="TestGreeting" time="0.001"><failure message="greeting.txt does not say hello">got something else</failure></testcase>'
fi

mkdir -p reports
cat > reports/unit.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="calc" tests="3" failures="$failures" errors="0" skipped="0">
  <testcase classname="calc" name="TestAdd" time="0.001"/>
  <testcase classname="calc" name="TestSub" time="0.001"/>
  $greeting_case
</testsuite>
XML

echo "3 tests, $failures failed"
exit "$failures"
