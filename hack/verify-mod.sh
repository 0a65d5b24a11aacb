#!/usr/bin/env bash
# go.mod and go.sum must be tidy. Fix with hack/update-mod.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cp go.mod /tmp/go.mod.verify; cp go.sum /tmp/go.sum.verify
go mod tidy
if ! diff -q go.mod /tmp/go.mod.verify >/dev/null || ! diff -q go.sum /tmp/go.sum.verify >/dev/null; then
  cp /tmp/go.mod.verify go.mod; cp /tmp/go.sum.verify go.sum
  echo "go.mod/go.sum are not tidy (run hack/update-mod.sh)"; exit 1
fi
