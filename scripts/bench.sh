#!/usr/bin/env bash
# Run every bench/*.py in turn; stop at the first that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONRAMP_VAR_DIR="${ONRAMP_VAR_DIR:-var/bench}"
shopt -s nullglob
scripts=(bench/*.py)
if [ ${#scripts[@]} -eq 0 ]; then
    echo "No benchmarks yet: add a script to bench/ and run make bench again."
    exit 0
fi
for script in "${scripts[@]}"; do
    echo "== $script"
    start=$(date +%s)
    .venv/bin/python "$script"
    echo "== $script: done in $(( $(date +%s) - start )) s"
done
