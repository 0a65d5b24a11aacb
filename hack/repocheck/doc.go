// Package repocheck holds the repository's structural tests: the dependency
// rules of shared/design/architecture.md, a doc comment on every package, and
// the rule that shipped binaries link no emulator, fake or test helper.
// It has no code of its own; `go test ./hack/repocheck` runs the checks.
package repocheck
