#!/usr/bin/env bash
# A data-parallel run resumes with another number of ranks: `mpirun -np 2 seqrl train --agent
# seqgan` is stopped by SIGTERM part-way (every rank stops at the same step; rank 0 writes the
# checkpoint), then resumed once as one process and once with 3 ranks. Both must end where the
# uninterrupted one-process run ends (the last d_loss within 1e-4 relative: sums over shards
# round differently at each N), with the same number of updates.
# usage: resume_ranks.sh SEQRL_BINARY MPIEXEC WORKDIR
set -euo pipefail
seqrl=$1 mpiexec=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
       OMPI_MCA_btl_vader_single_copy_mechanism=none SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
       SEQRL_MPI_TIMEOUT=120  # a hang names its collective before mpirun's 300 s limit ends the job
args=(train --agent seqgan --env TextGrammar-v0 --steps 4352 --pretrain-g-epochs 2 --pretrain-d-rounds 2 --rollouts 2
      --negatives 512 --samples 1024 --final-eval-episodes 20 --seed 5)
source "$(dirname "${BASH_SOURCE[0]}")/launch.sh"
dloss() {
  /usr/bin/python3 -c '
import json, sys
v = [json.loads(l) for l in open(sys.argv[1])]
d = [x["d_loss"] for x in v if "d_loss" in x]
print(d[-1] if d else "none")' "$1/metrics.jsonl"
}
field() { /usr/bin/python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).read())[sys.argv[2]])' "$1" "$2"; }
close() { /usr/bin/python3 -c 'import sys; a, b = map(float, sys.argv[1:3]); sys.exit(0 if abs(a - b) <= 1e-4 * abs(a) else 1)' "$1" "$2"; }
"$seqrl" "${args[@]}" --out "$dir/straight" > "$dir/straight.out" 2> "$dir/straight.err" || { cat "$dir/straight.err"; exit 1; }
want=$(dloss "$dir/straight") updates=$(field "$dir/straight.out" updates)
# the cut run: checkpoints every 64 steps; SIGTERM to its ranks once the first one is written
set +e
mpi 2 "$seqrl" "${args[@]}" --checkpoint-every 64 --out "$dir/cut" > "$dir/cut.out" 2> "$dir/cut.err" &
launcher=$!
for _ in $(seq 1 600); do
  [ -f "$dir/cut/checkpoint.safetensors" ] && break
  sleep 0.1
done
# the ranks' command lines start with the binary (mpirun's with mpirun): signal the ranks only
pkill -TERM -f -- "^$seqrl train .*--out $dir/cut"
wait "$launcher"
rc=$?
set -e
[ "$rc" -ne 0 ] || { echo "FAIL: the cut run was not interrupted (rc 0): it finished first"; exit 1; }
grep -q "interrupted by SIGTERM" "$dir/cut.err" || { echo "FAIL: stderr does not say interrupted by SIGTERM"; cat "$dir/cut.err"; exit 1; }
grep -q '"interrupted": true' "$dir/cut/summary.json" || { echo "FAIL: summary.json does not say interrupted"; exit 1; }
cp -r "$dir/cut" "$dir/cut.saved"
for np in 1 3; do
  rm -rf "$dir/cut" && cp -r "$dir/cut.saved" "$dir/cut"
  if [ "$np" = 1 ]; then
    "$seqrl" train --resume "$dir/cut/checkpoint.safetensors" > "$dir/resumed$np.out" 2> "$dir/resumed$np.err" ||
      { cat "$dir/resumed$np.err"; echo "FAIL: resume as one process"; exit 1; }
  else
    mpi "$np" "$seqrl" train --resume "$dir/cut/checkpoint.safetensors" > "$dir/resumed$np.out" 2> "$dir/resumed$np.err" ||
      { cat "$dir/resumed$np.err"; echo "FAIL: resume with $np ranks"; exit 1; }
  fi
  got=$(dloss "$dir/cut") n=$(field "$dir/resumed$np.out" updates)
  [ "$n" = "$updates" ] || { echo "FAIL: resumed with $np ranks: $n updates, the straight run $updates"; exit 1; }
  close "$want" "$got" || { echo "FAIL: resumed with $np ranks: last d_loss $got, the straight run $want"; exit 1; }
  echo "ok: cut at 2 ranks, resumed with $np: last d_loss $got, straight one process $want, $n updates"
done
