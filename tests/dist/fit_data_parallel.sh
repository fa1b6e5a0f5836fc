#!/usr/bin/env bash
# `mpirun -np N seqrl fit KIND` trains data-parallel (agents/src/fit.cpp; nets/optim.hpp's
# data_parallel_backward): the global batch split over the ranks, the gradients summed in rank
# order; the ranks draw the whole batch's noise (a VAE's eps and word dropout, a GAN's z and its
# D's dropout masks) and use their rows of it.
#  - N = 2 and 3 (oversubscribed) end within a stated tolerance of one process with the same
#    global batch (the shards' sums round differently; an exact match is not expected);
#  - the same N twice gives the same bits (every metrics line);
#  - only rank 0 writes: one run folder, one result line on stdout.
# usage: fit_data_parallel.sh SEQRL_BINARY MPIEXEC WORKDIR [lm|vae|ae|gan]
set -euo pipefail
seqrl=$1 mpiexec=$2 dir=$3 kind=${4:-lm}
rm -rf "$dir" && mkdir -p "$dir"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
       OMPI_MCA_btl_vader_single_copy_mechanism=none SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
oracle=(--data oracle --oracle random --oracle-vocab 300 --samples 2000 --seed 3 --eval-samples 200 --emb 16 --hidden 32)
# what is compared: a figure of the last metrics line that has it (the final evaluation, and the
# training figures logged with it), and its relative tolerance
case "$kind" in
  lm)  args=(fit lm "${oracle[@]}" --steps 200 --eval-every 100); figure=nll_test tol=1e-6 ;;  # seen: 3e-9
  # a sentence VAE with word dropout and KL warm-up: every random draw of the step is shared
  vae) args=(fit vae "${oracle[@]}" --steps 150 --eval-every 75 --latent 8 --word-dropout 0.25 --kl-anneal 100)
       figure=nll_bound tol=1e-7 ;;  # seen: 2e-11
  # an MLP AE on the 2-D ring
  ae)  args=(fit ae --data ring8 --seed 3 --steps 200 --eval-every 100 --batch 128); figure=recon tol=1e-5 ;;  # seen: 3e-7
  # a GAN with dropout in D and the R1 penalty, 2 D steps per G step; 60 updates: later, rounding
  # differences grow (seen: 3e-8 at update 80, 1e-4 at 200; a GAN is chaotic)
  gan) args=(fit gan --data ring8 --seed 3 --steps 60 --eval-every 30 --batch 128 --d-dropout 0.2 --grad-penalty 1
             --d-steps 2 --gan-hidden 32 --eval-samples 500); figure=train_d_loss tol=1e-6 ;;  # seen: 8e-9
  *) echo "unknown kind '$kind'"; exit 2 ;;
esac
source "$(dirname "${BASH_SOURCE[0]}")/launch.sh"
final() {
  /usr/bin/python3 -c 'import json,sys; print([r for r in map(json.loads, open(sys.argv[1])) if sys.argv[2] in r][-1][sys.argv[2]])' \
    "$1/metrics.jsonl" "$figure"
}
last() {  # the last metrics line's training figures, as text
  /usr/bin/python3 -c 'import json,sys
row = [json.loads(l) for l in open(sys.argv[1])][-1]
print(" ".join(f"{k}={v:.9g}" for k, v in row.items() if k.startswith("train_")))' "$1/metrics.jsonl"
}
"$seqrl" "${args[@]}" --out "$dir/np1" > /dev/null 2> "$dir/np1.err" || { cat "$dir/np1.err"; exit 1; }
one=$(final "$dir/np1")
echo "one process: $figure $one; last training line: $(last "$dir/np1")"
for np in 2 3; do
  mpi "$np" "$seqrl" "${args[@]}" --checkpoint-every 100 --out "$dir/np$np" > "$dir/np$np.out" 2> "$dir/np$np.err" ||
    { cat "$dir/np$np.err"; echo "FAIL: mpirun -np $np seqrl fit $kind"; exit 1; }
  got=$(final "$dir/np$np")
  echo "$np ranks: $figure $got; last training line: $(last "$dir/np$np")"
  within "$one" "$got" "$tol" || { echo "FAIL: $np ranks end at $figure $got, one process at $one (tolerance $tol)"; exit 1; }
  [ "$(wc -l < "$dir/np$np.out")" -eq 1 ] || { echo "FAIL: stdout has other ranks' results"; cat "$dir/np$np.out"; exit 1; }
  echo "ok: $np ranks within $tol of one process"
done
mpi 2 "$seqrl" "${args[@]}" --checkpoint-every 100 --out "$dir/np2b" > /dev/null 2> "$dir/np2b.err" || { cat "$dir/np2b.err"; exit 1; }
strip() { sed -E 's/"(wall_)?seconds":[0-9.e+-]+,?//g' "$1"; }
[ "$(strip "$dir/np2/metrics.jsonl")" = "$(strip "$dir/np2b/metrics.jsonl")" ] ||
  { echo "FAIL: two runs at 2 ranks differ"; diff <(strip "$dir/np2/metrics.jsonl") <(strip "$dir/np2b/metrics.jsonl"); exit 1; }
echo "ok: 2 ranks twice: the same metrics bit for bit"
