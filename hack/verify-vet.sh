#!/usr/bin/env bash
# Runs go vet over the module. Fix what it reports; there is no update partner.
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./...
