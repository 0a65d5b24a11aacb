#!/usr/bin/env bash
# Every shipped binary must build with CGO_ENABLED=0 for linux/amd64 and linux/arm64.
# Fix: remove the cgo dependency the error names; there is no update partner.
set -euo pipefail
cd "$(dirname "$0")/.."
for arch in amd64 arm64; do
  CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -o /dev/null ./...
  # fyne's embedded driver (device screens) builds with -tags noos.
  CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -tags noos -o /dev/null ./...
done
echo "cross build ok (amd64, arm64; with and without -tags noos)"
