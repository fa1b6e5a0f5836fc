#!/usr/bin/env bash
# Discriminator training data-parallel on this machine (issue 14): seconds per optimizer step of
# agents::train_discriminator (SeqGAN's D at the paper's sizes, 7.0 M parameters) in
#   (a) 1 process x 1 thread, batch B           (b) 2 ranks x 1 thread, batch 2B (B per rank)
#   (c) 1 process x 2 threads, batch 2B         (d) 2 ranks x 1 thread, batch B (B/2 per rank)
#   (e) 1 process x 2 threads, batch B          (f) as (b), the first data-parallel way: the
#                                                   allgather allreduce, the whole step everywhere
# rounds interleaved, medians. Weak scaling = T(a) / T(b) (the same work per rank, the global batch
# doubled); strong scaling = T(a) / (2 T(d)); two ranks against two threads: T(c) / T(b) at 2B and
# T(e) / T(d) at B. Prints one JSON line.
# usage: bash bench/mpi_disc_scaling.sh [ROUNDS=3] [B=64] [STEPS=10]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-3} B=${2:-64} steps=${3:-10}
bench=$root/build/bench/seqrl_dist_bench
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OPENBLAS_NUM_THREADS=1
step() {  # step CMD...: the median seconds per step the bench printed (5 timed epochs)
  "$@" | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["step_s"]["median"])'
}
mpi=(mpirun -np 2 --bind-to core -x SEQRL_NUM_THREADS=1 -x OPENBLAS_NUM_THREADS=1)
declare -A t
for r in $(seq 1 "$rounds"); do
  t[a]+="$(SEQRL_NUM_THREADS=1 step "$bench" disc "$B" "$steps") "
  t[b]+="$(step "${mpi[@]}" "$bench" disc "$B" "$steps") "
  t[c]+="$(SEQRL_NUM_THREADS=2 step "$bench" disc "global:$((2 * B))" "$steps") "
  t[d]+="$(step "${mpi[@]}" "$bench" disc "global:$B" "$steps") "
  t[e]+="$(SEQRL_NUM_THREADS=2 step "$bench" disc "global:$B" "$steps") "
  t[f]+="$(step "${mpi[@]}" -x SEQRL_BENCH_ALLREDUCE=allgather "$bench" disc "$B" "$steps") "
done
/usr/bin/python3 - "$rounds" "$B" "$steps" "${t[a]}" "${t[b]}" "${t[c]}" "${t[d]}" "${t[e]}" "${t[f]}" <<'PY'
import json, statistics, sys
rounds, B, steps = map(int, sys.argv[1:4])
runs = {k: [float(x) for x in s.split()] for k, s in zip("abcdef", sys.argv[4:10])}
m = {k: statistics.median(v) for k, v in runs.items()}
print(json.dumps({"rounds": rounds, "batch": B, "steps_per_epoch": steps,
                  "step_seconds": runs, "median_step_seconds": {k: round(v, 5) for k, v in m.items()},
                  "weak_scaling_efficiency": round(m["a"] / m["b"], 3),
                  "weak_scaling_efficiency_allgather": round(m["a"] / m["f"], 3),
                  "strong_scaling_efficiency": round(m["a"] / (2 * m["d"]), 3),
                  "ranks_vs_threads_at_2B": round(m["c"] / m["b"], 3),
                  "ranks_vs_threads_at_B": round(m["e"] / m["d"], 3)}))
PY
