// Package report reads JUnit XML test reports and totals them per report
// group: total, passed, failed (failures and errors), skipped, pass rate and
// the failing test cases with their messages.
//
// Both shapes in use are accepted: a <testsuites> root holding <testsuite>
// elements (nested suites too) and a bare <testsuite> root. The counts come
// from the <testcase> elements, not from the suites' attributes, which some
// tools get wrong.
package report
