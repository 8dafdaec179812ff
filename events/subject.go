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

// TypeFromSubject reverses Subject. Only the canonical form that Subject
// produces is accepted: an empty token, a byte left unescaped that Subject
// would escape, or an escape of a safe byte is an error, so that exactly one
// subject maps to each type.
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
	typ := strings.Join(parts, ".")
	if Subject(typ) != subject {
		return "", fmt.Errorf("%w: subject %q is not in the form Subject produces", ErrInvalid, subject)
	}
	return typ, nil
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
	if s == "" {
		return "", fmt.Errorf("empty token")
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
		hi, ok1 := upperHex(s[i+1])
		lo, ok2 := upperHex(s[i+2])
		if !ok1 || !ok2 {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), nil
}

// upperHex decodes one upper-case hex digit, the only form escapeToken writes.
func upperHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
