// Package rules loads the codebridge configuration file, compiles each rule's
// CEL match and input expressions once, and matches events against the rule
// set through an index on equality conditions so that rules that cannot match
// are never evaluated.
//
// Loading is all or nothing: Parse collects every problem in the file (YAML
// syntax, unknown fields, missing ${VAR}s, CEL syntax and type errors,
// expressions over the cost budget, unknown functions, bad schedules) into one
// *LoadError whose lines name the file, line and column, and the rule.
//
// Matching builds one CEL activation per event, decodes the event's data at
// most once and only when a rule or the index needs it, looks up the event's
// value for each indexed path once, and evaluates only the candidate rules and
// the rules that cannot be indexed, in file order.
package rules
