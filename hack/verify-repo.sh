#!/usr/bin/env bash
# Dependency rules of shared/design/architecture.md and package doc comments.
# Fix: move the import or add the doc comment the test names.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -count=1 ./hack/repocheck/
