#!/usr/bin/env bash
# Tidies go.mod and go.sum; the partner of verify-mod.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
go mod tidy
