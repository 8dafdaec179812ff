package replicate_test

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/functions/replicate"
)

// A target is a URL string or a mapping; either way what is shown in logs,
// events and status carries no user information.
func ExampleTarget() {
	var c replicate.Config
	err := yaml.Unmarshal([]byte(`
targets:
  - ssh://git@eu.example/app.git
  - { url: "https://us.example/acme/app.git", name: us, token: not-shown }
`), &c)
	if err != nil {
		panic(err)
	}
	for _, t := range c.Targets {
		fmt.Println(replicate.RedactURL(t.URL))
	}
	// Output:
	// ssh://eu.example/app.git
	// https://us.example/acme/app.git
}

func ExampleRedactURL() {
	fmt.Println(replicate.RedactURL("https://bot:s3cret@git.example.com/acme/app.git"))
	fmt.Println(replicate.RedactURL("fatal: unable to access 'https://bot:s3cret@git.example.com/app.git/'"))
	// Output:
	// https://git.example.com/acme/app.git
	// fatal: unable to access 'https://git.example.com/app.git/'
}
