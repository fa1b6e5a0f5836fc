#!/usr/bin/env bash
# One line of JSON naming what a benchmark ran on, for its raw results: the commit of the binary
# (BIN.commit beside a copy of it, else the work tree's HEAD), the CPU with its widest vector
# extension, the thread count, the date, and optionally the command that made the results.
# With --update FILE it writes FILE instead of printing, keeping the commits FILE named before
# (a run resumed by a newer binary) in "earlier_commits", oldest first.
# usage: bash bench/machine.sh [--update FILE] BIN THREADS [COMMAND]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = --update ]; then
  file=${2:?the file to update}
  shift 2
  line=$(bash "${BASH_SOURCE[0]}" "$@")
  /usr/bin/python3 - "$file" "$line" <<'PY'
import json, os, sys
path, new = sys.argv[1], json.loads(sys.argv[2])
try:
    with open(path) as f:
        old = json.load(f)
except (OSError, ValueError):
    old = {}
earlier = list(old.get("earlier_commits", []))
if old.get("commit") and old["commit"] != new["commit"] and old["commit"] not in earlier:
    earlier.append(old["commit"])
if earlier:
    new["earlier_commits"] = earlier
with open(path + ".tmp", "w") as f:
    f.write(json.dumps(new) + "\n")
os.replace(path + ".tmp", path)
PY
  exit 0
fi
bin=${1:?the binary} threads=${2:?the thread count}
commit=$(cat "$bin.commit" 2> /dev/null || git -C "$root" rev-parse --short HEAD)
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')$(grep -qw avx512f /proc/cpuinfo && echo ', AVX-512' || echo ', AVX2')"
if [ $# -ge 3 ]; then
  printf '{"commit": "%s", "cpu": "%s", "threads": "%s", "date": "%s", "command": "%s"}\n' "$commit" "$cpu" "$threads" "$(date -u +%F)" "$3"
else
  printf '{"commit": "%s", "cpu": "%s", "threads": "%s", "date": "%s"}\n' "$commit" "$cpu" "$threads" "$(date -u +%F)"
fi
