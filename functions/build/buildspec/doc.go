// Package buildspec parses buildspec.yml files, version 0.2, the subset of
// the AWS CodeBuild format that codebridge runs: env (variables, secrets,
// exported-variables), the four phases with commands, finally and
// on-failure, artifacts, cache paths and JUnit report groups.
//
// Parse refuses anything it does not understand, with the file, line, column
// and the dotted name of the field (phases.build.commands[2]), so a typo never
// silently drops a step. CodeBuild keys that codebridge does not implement
// (parameter-store, secrets-manager, runtime-versions, run-as, ...) are
// refused by name rather than ignored.
//
// Secrets differ from CodeBuild: env.secrets maps a variable name to a
// reference that the engine resolves, "env:NAME" (an environment variable of
// the codebridge process) or "file:/path" (the trimmed contents of a file,
// for example a mounted Docker or Kubernetes secret).
package buildspec
