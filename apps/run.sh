#!/usr/bin/env bash
# The main job: installs what is missing, builds in Release, and runs the `quick` benchmark suite
# (every agent on CartPole-v1, Acrobot-v1, FrozenLake-v1, the caption grammar and a small
# synthetic oracle, 3 seeds; statistics over seeds, plots, report.html). A second run skips what
# has finished. Extra arguments go to `seqrl suite` (e.g. `bash apps/run.sh --out DIR`); another
# suite: `build/seqrl suite toy|text|paper|FILE.json`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/cmake/setup.sh" "$root/build"
cd "$root"
out=runs/suite-quick
for a in "$@"; do [ "${prev:-}" = "--out" ] && out=$a; prev=$a; done
args=("$@"); [[ " $* " == *" --out "* ]] || args+=(--out "$out")
"$root/build/seqrl" suite quick "${args[@]}"
echo
cat "$out/report.md"
echo
case $out in /*) where=$out ;; *) where=$root/$out ;; esac
echo "report: $where/report.html (tables above: $out/report.md; one row per run: $out/results.csv)"
