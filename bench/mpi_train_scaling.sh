#!/usr/bin/env bash
# A whole `seqrl train` run on this machine (issue 14): wall seconds (as a user sees them, MPI
# start-up included) of the same command in
#   (a) 1 process x 1 thread   (b) mpirun -np 2 --bind-to core, 1 thread each   (c) 1 process x 2 threads
# rounds interleaved, medians. The global batch is the same in all three (--batch is global), so
# strong scaling = T(a) / (2 T(b)), and two ranks against two threads = T(c) / T(b). Prints one
# JSON line. Default command: SeqGAN's fast protocol on SeqGAN's oracle, shortened (4 MLE epochs,
# 1 D round, 6 adversarial batches with 16 rollouts and one d-step each).
# usage: bash bench/mpi_train_scaling.sh [ROUNDS=3] [-- seqrl train options...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-3}
shift || true
[ "${1:-}" = -- ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--agent seqgan --env TextOracle-v0 --steps 0 --pretrain-g-epochs 4 --pretrain-d-rounds 1
                              --total-batches 6 --nll-every 0 --final-eval-episodes 1 --seed 1)
seqrl=$root/build/seqrl
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wall() {  # wall CMD...: seconds the command took
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > "$work/out" 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
  t1=$(date +%s.%N)
  /usr/bin/python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 3))" "$t0" "$t1"
}
declare -A t
for r in $(seq 1 "$rounds"); do
  rm -rf "$work"/run*
  t[a]+="$(SEQRL_NUM_THREADS=1 wall "$seqrl" train "${args[@]}" --out "$work/runa") "
  t[b]+="$(wall mpirun -np 2 --bind-to core -x SEQRL_NUM_THREADS=1 -x OPENBLAS_NUM_THREADS=1 "$seqrl" train "${args[@]}" --out "$work/runb") "
  t[c]+="$(SEQRL_NUM_THREADS=2 wall "$seqrl" train "${args[@]}" --out "$work/runc") "
done
/usr/bin/python3 - "$rounds" "${t[a]}" "${t[b]}" "${t[c]}" "${args[*]}" <<'PY'
import json, statistics, sys
rounds = int(sys.argv[1])
runs = {k: [float(x) for x in s.split()] for k, s in zip("abc", sys.argv[2:5])}
m = {k: statistics.median(v) for k, v in runs.items()}
print(json.dumps({"command": "seqrl train " + sys.argv[5], "rounds": rounds, "wall_seconds": runs,
                  "median_wall_seconds": m, "strong_scaling_efficiency": round(m["a"] / (2 * m["b"]), 3),
                  "ranks_vs_threads": round(m["c"] / m["b"], 3)}))
PY
