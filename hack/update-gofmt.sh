#!/usr/bin/env bash
# Rewrites every tracked Go file with gofmt; the partner of verify-gofmt.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
gofmt -w $(git ls-files '*.go')
