package functions_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/internal/natstest"
)

func TestOpenKeyValue(t *testing.T) {
	ctx := context.Background()
	js := natstest.Start(t).JS

	// Missing: created with the given settings.
	kv, err := functions.OpenKeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: "made", History: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.PutString(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	st, err := kv.Status(ctx)
	if err != nil || st.History() != 3 {
		t.Fatalf("status = %v, %v; want history 3", st, err)
	}

	// Existing: opened as it is, its settings and contents kept.
	again, err := functions.OpenKeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: "made", History: 1, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := again.Status(ctx); err != nil || st.History() != 3 || st.TTL() != 0 {
		t.Errorf("an existing bucket's settings changed: %v, %v", st, err)
	}
	if e, err := again.Get(ctx, "k"); err != nil || string(e.Value()) != "v" {
		t.Errorf("an existing bucket's contents: %v, %v", e, err)
	}

	// Many workers at once: all get the one bucket.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := functions.OpenKeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: "raced"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent open: %v", err)
		}
	}

	// A bad name is refused, the error naming the bucket.
	_, err = functions.OpenKeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: "bad name"})
	if err == nil || !strings.HasPrefix(err.Error(), "open bucket bad name: ") {
		t.Errorf("err = %v, want one naming the bucket", err)
	}
}
