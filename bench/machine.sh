#!/usr/bin/env bash
# One line of JSON naming what a benchmark ran on, for its raw results: the commit of the binary
# (BIN.commit beside a copy of it, else the work tree's HEAD), the CPU with its widest vector
# extension, the thread count, the date, and optionally the command that made the results.
# usage: bash bench/machine.sh BIN THREADS [COMMAND]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:?the binary} threads=${2:?the thread count}
commit=$(cat "$bin.commit" 2> /dev/null || git -C "$root" rev-parse --short HEAD)
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')$(grep -qw avx512f /proc/cpuinfo && echo ', AVX-512' || echo ', AVX2')"
if [ $# -ge 3 ]; then
  printf '{"commit": "%s", "cpu": "%s", "threads": "%s", "date": "%s", "command": "%s"}\n' "$commit" "$cpu" "$threads" "$(date -u +%F)" "$3"
else
  printf '{"commit": "%s", "cpu": "%s", "threads": "%s", "date": "%s"}\n' "$commit" "$cpu" "$threads" "$(date -u +%F)"
fi
