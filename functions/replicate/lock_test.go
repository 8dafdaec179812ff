package replicate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/internal/natstest"
	"github.com/codebridge/codebridge/internal/testwait"
)

// TestLockRefreshAndLoss: a held lock is refreshed (its revision moves) and,
// once someone else removes or takes it, the holder is told it lost it.
func TestLockRefreshAndLoss(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "LOCKS"})
	if err != nil {
		t.Fatal(err)
	}
	lost := make(chan error, 1)
	l, err := acquire(ctx, kv, "lock.a", lockValue{Owner: "me"}, 400*time.Millisecond, func(err error) { lost <- err })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acquire(ctx, kv, "lock.a", lockValue{Owner: "other"}, time.Second, func(error) {}); !errors.Is(err, errLockHeld) {
		t.Fatalf("second acquire: %v, want errLockHeld", err)
	}
	first, _ := kv.Get(ctx, "lock.a")
	testwait.For(t, 10*time.Second, "the holder refreshes the lock", func() bool {
		e, err := kv.Get(ctx, "lock.a")
		return err == nil && e.Revision() > first.Revision()
	})
	if err := kv.Delete(ctx, "lock.a"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-lost:
		if !errors.Is(err, ErrLockLost) {
			t.Errorf("lost with %v, want ErrLockLost", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the holder did not notice that it lost the lock")
	}
	l.release(ctx) // releasing a lost lock leaves the key alone
	if _, err := kv.Create(ctx, "lock.a", []byte("x")); err != nil {
		t.Fatalf("after loss and release the key is free: %v", err)
	}
}

// TestLocksBucketNeedsTTL refuses a pre-made locks bucket without a TTL.
func TestLocksBucketNeedsTTL(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	if _, err := js.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: LocksBucket}); err != nil {
		t.Fatal(err)
	}
	f, _ := newTestFunction(t, "mirror", Config{Targets: []Target{{URL: "file:///x.git"}}}, js)
	if _, _, err := f.stores(context.Background()); err == nil || !strings.Contains(err.Error(), "no TTL") {
		t.Fatalf("stores: %v, want a refusal of the TTL-less bucket", err)
	}
}

// TestProgressIsRateLimited logs git's progress at most once per phase
// and period.
func TestProgressIsRateLimited(t *testing.T) {
	t.Parallel()
	js := natstest.Start(t).JS
	rs, c := conformanceSource(t)
	f, logs := newTestFunction(t, "mirror", c, js)
	f.progressEvery = time.Hour
	if _, err := invoke(t, f, invocation(refEvent(t, rs.src, "main", "abc"))); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"message":"git progress"`) {
			for _, phase := range []string{`"phase":"fetch"`, `"phase":"file"`} {
				if strings.Contains(line, phase) {
					count[phase]++
				}
			}
		}
	}
	for phase, n := range count {
		if n > 1 {
			t.Errorf("%s: %d progress lines in one period", phase, n)
		}
	}
	if count[`"phase":"file"`] != 1 {
		t.Errorf("no progress logged for the push: %v\n%s", count, logs)
	}
}
