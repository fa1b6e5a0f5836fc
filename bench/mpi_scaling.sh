#!/usr/bin/env bash
# Data-parallel work on this machine against threads (issue 14), rounds interleaved, medians:
#   disc      seconds per optimizer step of agents::train_discriminator (SeqGAN's D at the paper's
#             sizes, 7.0 M parameters), B rows per step;
#   rollouts  seconds per SeqGAN::rewards call (a g-step's Monte-Carlo rewards at the paper's
#             sizes: 16 completions of every prefix of a batch of B, scored by D).
#   (a) 1 process x 1 thread, batch B           (b) 2 ranks x 1 thread, batch 2B (B per rank)
#   (c) 1 process x 2 threads, batch 2B         (d) 2 ranks x 1 thread, batch B (B/2 per rank)
#   (e) 1 process x 2 threads, batch B          (f) disc only: as (b), the first data-parallel way:
#                                                   the allgather allreduce, the whole step everywhere
# Weak scaling = T(a) / T(b) (the same work per rank, the global batch doubled); strong scaling =
# T(a) / (2 T(d)); two ranks against two threads: T(c) / T(b) at 2B and T(e) / T(d) at B. Prints
# one JSON line.
# usage: bash bench/mpi_scaling.sh disc|rollouts [ROUNDS=3] [B=64] [STEPS=10 (disc)]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
part=${1:?usage: mpi_scaling.sh disc|rollouts [ROUNDS] [B] [STEPS]}
rounds=${2:-3} B=${3:-64} steps=${4:-10}
case $part in disc) extra=("$steps") ;; rollouts) extra=(3) ;; *) echo "mpi_scaling.sh: unknown part $part (disc, rollouts)" >&2; exit 2 ;; esac
bench=$root/build/bench/seqrl_dist_bench
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OPENBLAS_NUM_THREADS=1
step() {  # step CMD...: the median seconds per step (disc: 5 timed epochs; rollouts: 3 calls)
  "$@" | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["step_s"]["median"])'
}
mpi=(mpirun -np 2 --bind-to core -x SEQRL_NUM_THREADS=1 -x OPENBLAS_NUM_THREADS=1)
declare -A t
for r in $(seq 1 "$rounds"); do
  t[a]+="$(SEQRL_NUM_THREADS=1 step "$bench" "$part" "$B" "${extra[@]}") "
  t[b]+="$(step "${mpi[@]}" "$bench" "$part" "$B" "${extra[@]}") "
  t[c]+="$(SEQRL_NUM_THREADS=2 step "$bench" "$part" "global:$((2 * B))" "${extra[@]}") "
  t[d]+="$(step "${mpi[@]}" "$bench" "$part" "global:$B" "${extra[@]}") "
  t[e]+="$(SEQRL_NUM_THREADS=2 step "$bench" "$part" "global:$B" "${extra[@]}") "
  if [ "$part" = disc ]; then
    t[f]+="$(step "${mpi[@]}" -x SEQRL_BENCH_ALLREDUCE=allgather "$bench" disc "$B" "$steps") "
  fi
done
/usr/bin/python3 - "$part" "$rounds" "$B" "$steps" "${t[a]}" "${t[b]}" "${t[c]}" "${t[d]}" "${t[e]}" "${t[f]:-}" <<'PY'
import json, statistics, sys
part = sys.argv[1]
rounds, B, steps = map(int, sys.argv[2:5])
runs = {k: [float(x) for x in s.split()] for k, s in zip("abcdef", sys.argv[5:11]) if s.strip()}
m = {k: statistics.median(v) for k, v in runs.items()}
print(json.dumps({"part": part, "rounds": rounds, "batch": B, **({"steps_per_epoch": steps} if part == "disc" else {}),
                  "step_seconds": runs, "median_step_seconds": {k: round(v, 5) for k, v in m.items()},
                  "weak_scaling_efficiency": round(m["a"] / m["b"], 3),
                  **({"weak_scaling_efficiency_allgather": round(m["a"] / m["f"], 3)} if "f" in m else {}),
                  "strong_scaling_efficiency": round(m["a"] / (2 * m["d"]), 3),
                  "ranks_vs_threads_at_2B": round(m["c"] / m["b"], 3),
                  "ranks_vs_threads_at_B": round(m["e"] / m["d"], 3)}))
PY
