package replicate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TargetStatus is the replication state of one (function, source
// repository, target), as `codebridge replicate status` and
// GET /api/replication show it. URLs carry no user information.
type TargetStatus struct {
	Function   string `json:"function"`
	Repository string `json:"repository"`
	Target     string `json:"target"`
	URL        string `json:"url"`
	// LastSuccess is when the target last got the source's state;
	// LastAttempt when it was last tried, successfully or not.
	LastSuccess time.Time `json:"lastSuccess,omitzero"`
	LastAttempt time.Time `json:"lastAttempt,omitzero"`
	// LastError is the last failure's message (masked), cleared by a success.
	LastError string `json:"lastError,omitempty"`
	// Failures counts consecutive failed attempts.
	Failures int `json:"failures,omitempty"`
	// LagMS is, for the last success, the time from the event that started
	// the run to the target being updated.
	LagMS int64 `json:"lagMs,omitempty"`
	// SourceState is the digest of the source's branches and tags the target
	// last received; a retry skips a target whose state equals the source's.
	SourceState string `json:"sourceState,omitempty"`
	// Refs is how many branches and tags that state has.
	Refs int `json:"refs,omitempty"`
}

// InSync reports whether the target's last attempt succeeded.
func (s TargetStatus) InSync() bool { return s.LastError == "" && !s.LastSuccess.IsZero() }

// Key prefixes in StateBucket.
const (
	statePrefix = "state."
	dirtyPrefix = "dirty."
)

// digest is a short hex hash of the parts, used as a KV key token (keys
// allow only a small alphabet; URLs do not fit it).
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func stateKey(function, sourceKey string, t target) string {
	return statePrefix + digest(function, sourceKey, t.name, t.url.key)
}

// loadState reads a target's state; a missing one is the zero value.
func loadState(ctx context.Context, kv jetstream.KeyValue, key string) (TargetStatus, error) {
	var s TargetStatus
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("replicate: read target state: %w", err)
	}
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		// A corrupt record only costs one extra push.
		return TargetStatus{}, nil
	}
	return s, nil
}

func saveState(ctx context.Context, kv jetstream.KeyValue, key string, s TargetStatus) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("replicate: encode target state: %w", err)
	}
	if _, err := kv.Put(ctx, key, b); err != nil {
		return fmt.Errorf("replicate: store target state: %w", err)
	}
	return nil
}

// Status reads the state of every replicated (function, repository,
// target), sorted by repository, function and target. It returns an empty
// list when nothing has been replicated yet.
func Status(ctx context.Context, js jetstream.JetStream) ([]TargetStatus, error) {
	kv, err := js.KeyValue(ctx, StateBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return []TargetStatus{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("replicate: status: %w", err)
	}
	lister, err := kv.ListKeysFiltered(ctx, statePrefix+">")
	if err != nil {
		return nil, fmt.Errorf("replicate: status: list: %w", err)
	}
	defer func() { _ = lister.Stop() }()
	out := []TargetStatus{}
	for key := range lister.Keys() {
		s, err := loadState(ctx, kv, key)
		if err != nil {
			return nil, fmt.Errorf("replicate: status: %w", err)
		}
		if s.Target != "" {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if c := strings.Compare(a.Repository, b.Repository); c != 0 {
			return c < 0
		}
		if c := strings.Compare(a.Function, b.Function); c != 0 {
			return c < 0
		}
		return a.Target < b.Target
	})
	return out, nil
}
