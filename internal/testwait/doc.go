// Package testwait waits in tests for a condition that another goroutine or
// process makes true, by polling it with a deadline.
//
// Tests use it instead of sleeping a fixed time: a fixed sleep is either too
// short on a loaded machine or wastes time on an idle one, and it asserts
// nothing. For fails the test, naming what it waited for, when the deadline
// passes.
package testwait
