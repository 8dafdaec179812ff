package webhook_test

import (
	"errors"
	"fmt"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/webhook"
)

// An adapter turns a provider's push into a reference event with a Batch.
func ExampleBatch_AddPush() {
	b := webhook.NewBatch(webhook.DeliveryID("f6266f16-1bf3-46a5-9ea4-602e06ead473", nil))
	err := b.AddPush(webhook.Push{
		Repository: events.Repository{Name: "app", FullName: "acme/app", CloneURL: "https://git.example.com/acme/app.git", Provider: "gitea"},
		Source:     "https://git.example.com/acme/app",
		Ref:        "refs/heads/main",
		Before:     "0000000000000000000000000000000000000000",
		After:      "bffeb74224043ba2feb48d137756c8a9331c449a",
		Pusher:     "alice",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	evs, err := b.Events()
	fmt.Println(evs[0].Type(), evs[0].Subject(), evs[0].ID(), err)
	// Output:
	// dev.codebridge.repository.referenceCreated refs/heads/main f6266f16-1bf3-46a5-9ea4-602e06ead473 <nil>
}

// Signatures are checked against every configured secret, so a secret can
// be rotated without dropping deliveries.
func ExampleVerifySHA256() {
	body := []byte(`{"ref":"refs/heads/main"}`)
	sig := webhook.SignSHA256("new", body)
	fmt.Println(webhook.VerifySHA256(body, sig, []string{"old", "new"}))
	err := webhook.VerifySHA256(body, sig, []string{"old"})
	fmt.Println(errors.Is(err, webhook.ErrUnauthorized), err)
	// Output:
	// <nil>
	// true webhook: unauthorized: signature does not match
}
