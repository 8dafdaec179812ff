package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/functions"
)

// JetStream resource names.
const (
	BucketBuilds    = "CB_BUILDS"
	BucketState     = "CB_BUILD_STATE"
	StreamLogs      = "CB_BUILD_LOGS"
	LogSubjectRoot  = "cb.buildlogs."
	BucketArtifacts = "CB_ARTIFACTS"
	BucketCache     = "CB_CACHE"
	// HeaderLogEnd marks the last log message of a build; its value is the
	// build's status.
	HeaderLogEnd = "Cb-Log-End"
)

// store is the build function's state on JetStream.
type store struct {
	js        jetstream.JetStream
	builds    jetstream.KeyValue
	state     jetstream.KeyValue
	artifacts jetstream.ObjectStore
	cache     jetstream.ObjectStore
}

func openStore(ctx context.Context, js jetstream.JetStream) (*store, error) {
	s := &store{js: js}
	var err error
	// An existing bucket keeps its replicas and limits, set by whoever made
	// it.
	if s.builds, err = functions.OpenKeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: BucketBuilds, Description: "codebridge build records", Storage: jetstream.FileStorage}); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if s.state, err = functions.OpenKeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: BucketState, Description: "codebridge build numbers, current builds, stop requests, badges", Storage: jetstream.FileStorage}); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if _, err = js.Stream(ctx, StreamLogs); errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name: StreamLogs, Subjects: []string{LogSubjectRoot + ">"},
			Storage: jetstream.FileStorage, MaxAge: 30 * 24 * time.Hour, Discard: jetstream.DiscardOld,
		})
	}
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return nil, fmt.Errorf("build: log stream: %w", err)
	}
	if s.artifacts, err = obj(ctx, js, jetstream.ObjectStoreConfig{Bucket: BucketArtifacts, Description: "codebridge build artifacts", Storage: jetstream.FileStorage}); err != nil {
		return nil, err
	}
	if s.cache, err = obj(ctx, js, jetstream.ObjectStoreConfig{Bucket: BucketCache, Description: "codebridge build caches", Storage: jetstream.FileStorage}); err != nil {
		return nil, err
	}
	return s, nil
}

// obj opens an object store, creating it when missing (an existing one
// keeps its replicas and limits, set by whoever made it).
func obj(ctx context.Context, js jetstream.JetStream, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	o, err := js.ObjectStore(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
		o, err = js.CreateObjectStore(ctx, cfg)
		if errors.Is(err, jetstream.ErrBucketExists) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			o, err = js.ObjectStore(ctx, cfg.Bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("build: object store %s: %w", cfg.Bucket, err)
	}
	return o, nil
}

// hashKey turns untrusted text (a branch name, an invocation id) into a KV
// key token.
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// nextNumber hands out the project's next build number with
// compare-and-set, so two workers never get the same one.
func (s *store) nextNumber(ctx context.Context, project string) (int64, error) {
	key := "num." + project
	for {
		e, err := s.state.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := s.state.Create(ctx, key, []byte("1")); err == nil {
				return 1, nil
			} else if !errors.Is(err, jetstream.ErrKeyExists) {
				return 0, fmt.Errorf("build: number: %w", err)
			}
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("build: number: %w", err)
		}
		n, _ := strconv.ParseInt(string(e.Value()), 10, 64)
		n++
		if _, err := s.state.Update(ctx, key, []byte(strconv.FormatInt(n, 10)), e.Revision()); err == nil {
			return n, nil
		} else if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongSeq(err) {
			return 0, fmt.Errorf("build: number: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
}

func isWrongSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

func (s *store) create(ctx context.Context, r *Record) (uint64, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("build: encode record: %w", err)
	}
	rev, err := s.builds.Create(ctx, r.ID, b)
	if err != nil {
		return 0, fmt.Errorf("build: create record %s: %w", r.ID, err)
	}
	return rev, nil
}

// errConflict means someone else (the reaper) wrote the record.
var errConflict = errors.New("build record changed by someone else")

func (s *store) update(ctx context.Context, r *Record, rev uint64) (uint64, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("build: encode record: %w", err)
	}
	n, err := s.builds.Update(ctx, r.ID, b, rev)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) || isWrongSeq(err) {
			return 0, errConflict
		}
		return 0, fmt.Errorf("build: update record %s: %w", r.ID, err)
	}
	return n, nil
}

func (s *store) get(ctx context.Context, id string) (*Record, uint64, error) {
	if keySafeID(id) != id {
		return nil, 0, ErrNotFound
	}
	e, err := s.builds.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("build: get %s: %w", id, err)
	}
	var r Record
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return nil, 0, fmt.Errorf("build: decode %s: %w", id, err)
	}
	return &r, e.Revision(), nil
}

// keySafeID checks a build id taken from a URL before it becomes a key.
func keySafeID(id string) string {
	if id == "" {
		return "_"
	}
	return keySafe(id)
}

// list returns records, newest first, optionally of one project.
func (s *store) list(ctx context.Context, project string, limit int) ([]*Record, error) {
	keys, err := s.builds.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("build: list: %w", err)
	}
	var out []*Record
	for k := range keys.Keys() {
		r, _, err := s.get(ctx, k)
		if err != nil {
			continue
		}
		if project != "" && r.Project != project {
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].StartTime.Equal(out[j].StartTime) {
			return out[i].StartTime.After(out[j].StartTime)
		}
		return out[i].Number > out[j].Number
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// putState writes a state key, ignoring nothing: callers decide.
func (s *store) putState(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = s.state.Put(ctx, key, b)
	return err
}

func (s *store) getState(ctx context.Context, key string, v any) error {
	e, err := s.state.Get(ctx, key)
	if err != nil {
		return err
	}
	return json.Unmarshal(e.Value(), v)
}

// State keys.
func stopKey(id string) string               { return "stop." + id }
func currentKey(project, line string) string { return "cur." + project + "." + hashKey(line) }
func badgeKey(project, branch string) string { return "badge." + project + "." + hashKey(branch) }
func invocationKey(id string) string         { return "inv." + hashKey(id) }
func cacheObject(project, branch string) string {
	return project + "/" + hashKey(branch)
}
