// Package poll is the polling event source: it watches a git repository with
// `git ls-remote` and turns the difference from the last seen refs into
// reference events. The last seen refs live in a JetStream KV bucket, so a
// restarted poller emits nothing twice and misses nothing that changed while
// it was down.
package poll

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/gitref"
)

// Bucket is the KV bucket that keeps each repository's last seen refs.
const Bucket = "CB_POLL_STATE"

// Publisher stores an event durably (returns after its PubAck).
type Publisher interface {
	Publish(ctx context.Context, e events.Event) error
}

// Config is one watched repository.
type Config struct {
	// Repository is a local path, file://, https:// or ssh:// URL.
	Repository string
	// Interval between polls (default 30s); each wait has ±10% jitter so
	// many pollers do not hit a host in step.
	Interval time.Duration
	// Branches and Tags are glob patterns (path.Match); empty means all.
	Branches []string
	Tags     []string
}

// Poller watches one repository.
type Poller struct {
	cfg Config
	kv  jetstream.KeyValue
	pub Publisher
	log zerolog.Logger
	key string
}

// OpenBucket creates or opens the state bucket.
func OpenBucket(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: Bucket, Description: "codebridge poll source: last seen refs per repository",
		History: 1, Replicas: max(replicas, 1), Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("poll: open bucket %s: %w", Bucket, err)
	}
	return kv, nil
}

// New makes a poller; Run starts it.
func New(cfg Config, kv jetstream.KeyValue, pub Publisher, log zerolog.Logger) *Poller {
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	sum := sha256.Sum256([]byte(gitref.Redact(cfg.Repository)))
	return &Poller{
		cfg: cfg, kv: kv, pub: pub,
		log: log.With().Str("source", "poll").Str("repository", gitref.Redact(cfg.Repository)).Logger(),
		key: hex.EncodeToString(sum[:16]),
	}
}

// Run polls until ctx is done. Failures back off (up to ten intervals) and
// are logged once when they start, once when the message changes and once on
// recovery, never on every tick.
func (p *Poller) Run(ctx context.Context) {
	var lastErr string
	wait := time.Duration(0)
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		err := p.Poll(ctx)
		switch {
		case err == nil:
			if lastErr != "" {
				p.log.Info().Msg("polling recovered")
			}
			lastErr, failures = "", 0
		case ctx.Err() != nil:
			return
		default:
			failures++
			if msg := err.Error(); msg != lastErr {
				p.log.Warn().Str("error", msg).Msg("polling failed; backing off")
				lastErr = msg
			}
		}
		wait = jitter(p.cfg.Interval * time.Duration(min(1<<min(failures, 4), 10)))
	}
}

func jitter(d time.Duration) time.Duration {
	span := d / 10
	if span <= 0 {
		return d
	}
	return d - span + rand.N(2*span+1)
}

// state is what the bucket keeps per repository.
type state struct {
	Refs map[string]string `json:"refs"`
}

// Poll runs one round: read the refs, publish an event per change, then
// record the refs. Events are published before the state is written, so a
// crash in between re-publishes the same events with the same ids (the event
// stream drops them as duplicates) instead of losing them.
func (p *Poller) Poll(ctx context.Context) error {
	refs, err := lsRemote(ctx, p.cfg.Repository)
	if err != nil {
		return err
	}
	refs = p.filter(refs)
	var prev state
	rev := uint64(0)
	entry, err := p.kv.Get(ctx, p.key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return fmt.Errorf("poll: read state: %w", err)
	default:
		rev = entry.Revision()
		if err := json.Unmarshal(entry.Value(), &prev); err != nil {
			return fmt.Errorf("poll: decode state: %w", err)
		}
	}
	first := entry == nil
	changes := diff(prev.Refs, refs)
	if first {
		// The first sight of a repository is a baseline, not a burst of
		// "created" events for every ref it ever had.
		changes = nil
		p.log.Info().Int("refs", len(refs)).Msg("baseline recorded")
	}
	for _, c := range changes {
		e, err := gitref.Event(p.cfg.Repository, c, "")
		if err != nil {
			p.log.Debug().Err(err).Msg("skip ref")
			continue
		}
		if err := p.pub.Publish(ctx, e); err != nil {
			return fmt.Errorf("poll: publish %s: %w", c.Ref, err)
		}
	}
	if !first && len(changes) == 0 {
		return nil
	}
	b, _ := json.Marshal(state{Refs: refs})
	if rev == 0 {
		_, err = p.kv.Create(ctx, p.key, b)
	} else {
		_, err = p.kv.Update(ctx, p.key, b, rev)
	}
	if err != nil {
		// Another worker polled the same repository at the same moment; its
		// write wins and these events were deduplicated by id.
		return fmt.Errorf("poll: write state: %w", err)
	}
	return nil
}

func (p *Poller) filter(refs map[string]string) map[string]string {
	out := make(map[string]string, len(refs))
	for ref, id := range refs {
		switch {
		case strings.HasPrefix(ref, "refs/heads/"):
			if matchAny(p.cfg.Branches, strings.TrimPrefix(ref, "refs/heads/")) {
				out[ref] = id
			}
		case strings.HasPrefix(ref, "refs/tags/"):
			if matchAny(p.cfg.Tags, strings.TrimPrefix(ref, "refs/tags/")) {
				out[ref] = id
			}
		}
	}
	return out
}

func matchAny(patterns []string, name string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}

// diff lists the changes from old to new, sorted by ref.
func diff(old, cur map[string]string) []gitref.Change {
	var out []gitref.Change
	for ref, id := range cur {
		if prev, ok := old[ref]; !ok {
			out = append(out, gitref.Change{Old: gitref.ZeroID, New: id, Ref: ref})
		} else if prev != id {
			out = append(out, gitref.Change{Old: prev, New: id, Ref: ref})
		}
	}
	for ref, id := range old {
		if _, ok := cur[ref]; !ok {
			out = append(out, gitref.Change{Old: id, New: gitref.ZeroID, Ref: ref})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}

// lsRemote runs `git ls-remote --heads --tags` and returns ref -> id, with
// tags peeled to the commit they point at when git shows it (ref^{}).
func lsRemote(ctx context.Context, repo string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "ls-remote", "--heads", "--tags", "--", repo)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=/bin/false", "SSH_ASKPASS=/bin/false")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		// git's message can quote the URL: redact it.
		msg := strings.TrimSpace(stderr.String())
		msg = strings.ReplaceAll(msg, repo, gitref.Redact(repo))
		if len(msg) > 500 {
			msg = msg[:500]
		}
		return nil, fmt.Errorf("poll: git ls-remote %s: %v: %s", gitref.Redact(repo), err, msg)
	}
	refs := map[string]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		id, ref, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		if base, peeled := strings.CutSuffix(ref, "^{}"); peeled {
			refs[base] = id
			continue
		}
		if _, seen := refs[ref]; !seen {
			refs[ref] = id
		}
	}
	return refs, nil
}
