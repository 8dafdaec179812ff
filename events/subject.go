package events

import (
	"fmt"
	"strings"
)

// SubjectPrefix is the root of every event subject.
const SubjectPrefix = "cb.events."

// Subject maps an event type to its NATS subject: cb.events. followed by the
// type's dot-separated tokens. Characters that NATS gives a meaning to ('*',
// '>', whitespace) or that are unsafe in a token are percent-escaped, so a
// type can never widen a subscription or address another type's subject.
func Subject(typ string) string {
	parts := strings.Split(typ, ".")
	for i, p := range parts {
		parts[i] = escapeToken(p)
	}
	return SubjectPrefix + strings.Join(parts, ".")
}

// TypeFromSubject reverses Subject.
func TypeFromSubject(subject string) (string, error) {
	rest, ok := strings.CutPrefix(subject, SubjectPrefix)
	if !ok {
		return "", fmt.Errorf("%w: subject %q is not under %s", ErrInvalid, subject, SubjectPrefix)
	}
	parts := strings.Split(rest, ".")
	for i, p := range parts {
		s, err := unescapeToken(p)
		if err != nil {
			return "", fmt.Errorf("%w: subject %q: %v", ErrInvalid, subject, err)
		}
		parts[i] = s
	}
	return strings.Join(parts, "."), nil
}

func safeTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func escapeToken(s string) string {
	if s == "" {
		return "%"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if safeTokenByte(c) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func unescapeToken(s string) (string, error) {
	if s == "%" {
		return "", nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+3 > len(s) {
			return "", fmt.Errorf("truncated escape in %q", s)
		}
		var c byte
		if _, err := fmt.Sscanf(s[i+1:i+3], "%02X", &c); err != nil {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		b.WriteByte(c)
		i += 2
	}
	return b.String(), nil
}
