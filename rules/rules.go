package rules

// Set is an immutable compiled rule set; swap a whole Set to reload. It is
// safe for concurrent use.
type Set struct {
	rules []*Rule
	idx   index
}

// Rule is one compiled rule.
type Rule struct {
	Spec RuleSpec

	match    *compiled // nil for scheduled rules
	schedule *Schedule
	targets  []target
}

// target is one compiled rule target.
type target struct {
	function string
	field    string // "targets[i].input"
	input    *compiled
	retry    RetryPolicy
}

// Name returns the rule's name.
func (r *Rule) Name() string { return r.Spec.Name }

// Schedule returns the rule's schedule expression ("" for a match rule).
func (r *Rule) Schedule() string { return r.Spec.Schedule }

// ParsedSchedule returns the rule's parsed schedule, nil for a match rule.
func (r *Rule) ParsedSchedule() *Schedule { return r.schedule }

// Disabled reports whether the rule is switched off.
func (r *Rule) Disabled() bool { return r.Spec.Disabled }

// active reports whether the rule matches events: enabled and not scheduled.
func (r *Rule) active() bool { return r.match != nil && !r.Spec.Disabled }

// Len returns the number of rules.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Rules returns the compiled rules in file order.
func (s *Set) Rules() []*Rule {
	if s == nil {
		return nil
	}
	return s.rules
}

// Rule returns the rule called name, or nil.
func (s *Set) Rule(name string) *Rule {
	for _, r := range s.Rules() {
		if r.Spec.Name == name {
			return r
		}
	}
	return nil
}
