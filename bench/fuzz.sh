#!/usr/bin/env bash
# The long fuzz run: every harness of tests/fuzz.sh for RUNS executions (default 1,000,000 each),
# in the same build-fuzz/ folder and corpus (which grows from run to run). Figures: docs/hardening.md.
# usage: bash bench/fuzz.sh [RUNS=1000000]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
start=$(date +%s)
bash "$root/tests/fuzz.sh" 0 "${1:-1000000}"
echo "wall time: $(( $(date +%s) - start )) s"
