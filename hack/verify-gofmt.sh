#!/usr/bin/env bash
# Fails when a Go file is not gofmt-formatted. Fix with hack/update-gofmt.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(gofmt -l $(git ls-files '*.go') 2>&1 || true)
if [ -n "$bad" ]; then
  echo "these files need gofmt (run hack/update-gofmt.sh):"; echo "$bad"; exit 1
fi
