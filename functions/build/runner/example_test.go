package runner_test

import (
	"context"
	"fmt"
	"os"

	"github.com/codebridge/codebridge/functions/build/buildspec"
	"github.com/codebridge/codebridge/functions/build/runner"
)

func ExampleRun() {
	spec, _ := buildspec.Parse("buildspec.yml", []byte(`
version: 0.2
phases:
  build:
    commands:
      - cd /tmp
      - echo "in $PWD, token $TOKEN"
`))
	res, err := runner.Run(context.Background(), spec, runner.Options{
		Dir:    os.TempDir(),
		Env:    []string{"PATH=" + os.Getenv("PATH"), "TOKEN=hunter22"},
		Masker: runner.NewMasker("hunter22"),
		Log:    func(line string) { fmt.Println(line) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status)
	// Output:
	// [codebridge] Entering phase BUILD
	// [codebridge] Running command cd /tmp
	// [codebridge] Running command echo "in $PWD, token $TOKEN"
	// in /tmp, token ***
	// [codebridge] Phase complete: BUILD State: SUCCEEDED
	// SUCCEEDED
}
