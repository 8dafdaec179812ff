package gitref_test

import (
	"fmt"

	"github.com/codebridge/codebridge/events/gitref"
)

// A post-receive hook's input line becomes a catalogue event; credentials in
// the repository URL do not reach it.
func Example() {
	c, err := gitref.ParseLine(gitref.ZeroID + " 9fceb02d0ae598e95dc970b74767f19372d61af8 refs/tags/v1.2.0")
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := gitref.Event("https://ci:token@git.example.com/acme/app.git", c, "ada")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Type())
	fmt.Println(e.Source())
	fmt.Println(e.Subject())
	// Output:
	// dev.codebridge.repository.referenceCreated
	// https://git.example.com/acme/app.git
	// refs/tags/v1.2.0
}
