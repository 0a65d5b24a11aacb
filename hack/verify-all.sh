#!/usr/bin/env bash
# Runs every hack/verify-*.sh and reports which failed, in the Kubernetes style.
# Usage: hack/verify-all.sh [-v]
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
for script in hack/verify-*.sh; do
  [ "$script" = "hack/verify-all.sh" ] && continue
  echo "== $script"
  if ! "$script"; then failed+=("$script"); fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all verify scripts passed"
