package events_test

import (
	"fmt"
	"time"

	"github.com/codebridge/codebridge/events"
)

// A repository event is built from its catalogue struct, validated by New,
// and encoded for JetStream in binary mode under the subject of its type.
func ExampleNew() {
	e, err := events.New(events.ReferenceUpdated, "https://git.example.com/acme/app",
		&events.ReferenceData{
			Repository:        events.Repository{Name: "app", FullName: "acme/app", CloneURL: "https://git.example.com/acme/app.git", Provider: "gitea"},
			ReferenceFullName: "refs/heads/main",
			ReferenceName:     "main",
			ReferenceType:     events.ReferenceTypeBranch,
			CommitID:          "9fceb02d0ae598e95dc970b74767f19372d61af8",
			OldCommitID:       "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
		},
		events.WithID("push-1"),
		events.WithSubject("refs/heads/main"),
		events.WithTime(time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := events.ToMsg(events.Subject(e.Type()), e)
	fmt.Println(m.Subject)
	for _, h := range []string{"ce-id", "ce-type", "ce-subject", "ce-time", "content-type"} {
		fmt.Printf("%s: %s\n", h, m.Header.Get(h))
	}

	back, err := events.FromMsg(m)
	fmt.Println(back.ID(), err)
	// Output:
	// cb.events.dev.codebridge.repository.referenceUpdated
	// ce-id: push-1
	// ce-type: dev.codebridge.repository.referenceUpdated
	// ce-subject: refs/heads/main
	// ce-time: 2026-01-15T10:00:00Z
	// content-type: application/json
	// push-1 <nil>
}

// Validation errors name the field that is wrong.
func ExampleValidate() {
	_, err := events.New(events.PullRequestCreated, "https://git.example.com/acme/app",
		&events.PullRequestData{
			Repository:    events.Repository{Name: "app", CloneURL: "https://git.example.com/acme/app.git"},
			PullRequestID: "7",
		})
	fmt.Println(err)
	// Output:
	// data.sourceReference: is required
}

// Subjects escape what NATS would read as a wildcard.
func ExampleSubject() {
	fmt.Println(events.Subject("com.example.*"))
	typ, _ := events.TypeFromSubject("cb.events.com.example.%2A")
	fmt.Println(typ)
	// Output:
	// cb.events.com.example.%2A
	// com.example.*
}
