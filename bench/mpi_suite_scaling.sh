#!/usr/bin/env bash
# Farming a suite over MPI ranks on this machine (issue 14): the same DQN-on-CartPole runs as
#   (a) 1 process x 1 thread, N/2 runs      (b) 1 process x 2 threads, N runs
#   (c) 2 ranks x 1 thread, N runs          (d) 1 process x 1 thread, N runs
# rounds interleaved, medians of the suites' wall times. Strong scaling = T(d) / (2 T(c)); weak
# scaling = T(a) / T(c); ranks against threads on one machine = T(b) / T(c). The plots are off
# (--report-script none) so that only the runs are timed. Prints one JSON line.
# usage: bash bench/mpi_suite_scaling.sh [ROUNDS=3] [RUNS=8] [STEPS=50000]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-3} runs=${2:-8} steps=${3:-50000}
seqrl=$root/build/seqrl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
suite() {  # suite N FILE
  local seeds
  seeds=$(seq -s, 1 "$1")
  cat > "$2" <<JSON
{"name": "scaling", "seeds": [$seeds],
 "runs": [{"agent": "dqn", "env": "CartPole-v1", "steps": $steps,
           "options": {"eval-every": 0, "final-eval-episodes": 10, "stop-at-threshold": 0}}]}
JSON
}
suite $((runs / 2)) "$work/half.json"
suite "$runs" "$work/full.json"
timed() {  # timed NAME CMD...: wall seconds of a fresh suite
  local out=$work/out_$1_$RANDOM
  local t0 t1
  t0=$(date +%s%N)
  "${@:2}" --out "$out" --report-script none > /dev/null 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
  t1=$(date +%s%N)
  rm -rf "$out"
  echo "$(( (t1 - t0) / 1000000 ))e-3"
}
declare -A t
for r in $(seq 1 "$rounds"); do
  t[a]+="$(SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 timed a "$seqrl" suite "$work/half.json") "
  t[b]+="$(SEQRL_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 timed b "$seqrl" suite "$work/full.json") "
  t[c]+="$(timed c mpirun -np 2 --bind-to core -x SEQRL_NUM_THREADS=1 -x OPENBLAS_NUM_THREADS=1 "$seqrl" suite "$work/full.json") "
  t[d]+="$(SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 timed d "$seqrl" suite "$work/full.json") "
done
/usr/bin/python3 - "$rounds" "$runs" "$steps" "${t[a]}" "${t[b]}" "${t[c]}" "${t[d]}" <<'PY'
import json, statistics, sys
rounds, runs, steps = map(int, sys.argv[1:4])
a, b, c, d = ([float(x) for x in s.split()] for s in sys.argv[4:8])
m = {k: statistics.median(v) for k, v in zip("abcd", (a, b, c, d))}
print(json.dumps({"rounds": rounds, "runs": runs, "steps_per_run": steps,
                  "seconds": {"a_1x1_half": a, "b_1x2_threads": b, "c_2_ranks": c, "d_1x1_full": d},
                  "median_seconds": {k: round(v, 2) for k, v in m.items()},
                  "strong_scaling_efficiency": round(m["d"] / (2 * m["c"]), 3),
                  "weak_scaling_efficiency": round(m["a"] / m["c"], 3),
                  "ranks_vs_threads_speedup": round(m["b"] / m["c"], 3)}))
PY
