#!/usr/bin/env bash
# `mpirun -np N seqrl fit lm` trains data-parallel (agents/src/fit.cpp, nets/optim.hpp's
# allreduce_gradients): the global batch split over the ranks, the gradients summed in rank order.
#  - N = 2 and 3 (oversubscribed) end within a stated tolerance of one process with the same
#    global batch (the shards' sums round differently; an exact match is not expected);
#  - the same N twice gives the same bits (every metrics line);
#  - only rank 0 writes: one run folder, one result line on stdout.
# usage: fit_data_parallel.sh SEQRL_BINARY MPIEXEC WORKDIR
set -euo pipefail
seqrl=$1 mpiexec=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
       OMPI_MCA_btl_vader_single_copy_mechanism=none SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
args=(fit lm --data oracle --oracle random --oracle-vocab 300 --samples 2000 --seed 3 --steps 200 --eval-every 100
      --eval-samples 200 --emb 16 --hidden 32)
source "$(dirname "${BASH_SOURCE[0]}")/launch.sh"
final() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["final"]["nll_test"])' "$1/summary.json"; }
close() {  # close A B: relative difference below 1e-6 (seen: 3e-9 after 200 Adam steps)
  /usr/bin/python3 -c 'import sys; a, b = map(float, sys.argv[1:3]); sys.exit(0 if abs(a - b) <= 1e-6 * abs(a) else 1)' "$1" "$2"
}
"$seqrl" "${args[@]}" --out "$dir/np1" > /dev/null 2> "$dir/np1.err" || { cat "$dir/np1.err"; exit 1; }
one=$(final "$dir/np1")
for np in 2 3; do
  mpi "$np" "$seqrl" "${args[@]}" --checkpoint-every 100 --out "$dir/np$np" > "$dir/np$np.out" 2> "$dir/np$np.err" ||
    { cat "$dir/np$np.err"; echo "FAIL: mpirun -np $np seqrl fit lm"; exit 1; }
  got=$(final "$dir/np$np")
  close "$one" "$got" || { echo "FAIL: $np ranks end at nll_test $got, one process at $one"; exit 1; }
  [ "$(wc -l < "$dir/np$np.out")" -eq 1 ] || { echo "FAIL: stdout has other ranks' results"; cat "$dir/np$np.out"; exit 1; }
  echo "ok: $np ranks: nll_test $got, one process $one"
done
mpi 2 "$seqrl" "${args[@]}" --checkpoint-every 100 --out "$dir/np2b" > /dev/null 2> "$dir/np2b.err" || { cat "$dir/np2b.err"; exit 1; }
strip() { sed -E 's/"(wall_)?seconds":[0-9.e+-]+,?//g' "$1"; }
[ "$(strip "$dir/np2/metrics.jsonl")" = "$(strip "$dir/np2b/metrics.jsonl")" ] ||
  { echo "FAIL: two runs at 2 ranks differ"; diff <(strip "$dir/np2/metrics.jsonl") <(strip "$dir/np2b/metrics.jsonl"); exit 1; }
echo "ok: 2 ranks twice: the same metrics bit for bit"
