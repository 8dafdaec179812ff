package build_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/codebridge/codebridge/functions/build"
)

func ExampleRunLocal() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "buildspec.yml"), []byte(`version: 0.2
env:
  variables: {NAME: world}
phases:
  build:
    commands:
      - echo "hello $NAME"
    finally:
      - echo done
`), 0o644)
	status, err := build.RunLocal(context.Background(), dir, "", os.Stdout)
	fmt.Println(status, err)
	// Output:
	// [codebridge] Entering phase BUILD
	// [codebridge] Running command echo "hello $NAME"
	// hello world
	// [codebridge] Running command echo done
	// done
	// [codebridge] Phase complete: BUILD State: SUCCEEDED
	// [codebridge] Build SUCCEEDED
	// SUCCEEDED <nil>
}
