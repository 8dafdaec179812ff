package buildspec_test

import (
	"fmt"

	"github.com/codebridge/codebridge/functions/build/buildspec"
)

func ExampleParse() {
	spec, err := buildspec.Parse("buildspec.yml", []byte(`
version: 0.2
phases:
  build:
    commands:
      - go test ./...
    finally:
      - echo done
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := spec.Phase(buildspec.Build)
	fmt.Println(b.Commands, b.Finally)

	_, err = buildspec.Parse("buildspec.yml", []byte("version: 0.2\nphases:\n  build:\n    commands:\n      - echo a: b\n"))
	fmt.Println(err)
	// Output:
	// [go test ./...] [echo done]
	// buildspec.yml:5:9: phases.build.commands[0]: must be a string (quote a command that contains ": ")
}
