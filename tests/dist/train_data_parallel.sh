#!/usr/bin/env bash
# `mpirun -np N seqrl train --agent seqgan|leakgan|dqn|reinforce`: the discriminator (DQN: the
# Q-network; REINFORCE: the policy and value networks) trains
# data-parallel (each rank its rows of the global batch, dropout masks drawn for the global batch,
# gradients summed in rank order), the GANs' rollouts and negatives are split by rows, and the
# rest repeats on every rank:
#  - N = 2 and 3 (oversubscribed) end within a stated tolerance of one process (the shards' sums
#    round differently; an exact match is not expected);
#  - the same N twice gives the same bits;
#  - rank 0 alone writes the run folder and stdout.
# usage: train_data_parallel.sh SEQRL_BINARY MPIEXEC WORKDIR [AGENT=seqgan|leakgan|dqn|reinforce|reinforce-lstm]
set -euo pipefail
seqrl=$1 mpiexec=$2 dir=$3 agent=${4:-seqgan}
rm -rf "$dir" && mkdir -p "$dir"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
       OMPI_MCA_btl_vader_single_copy_mechanism=none SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
metric=d_loss pick=-1  # the last d_loss
if [ "$agent" = dqn ]; then
  # the Q-network's minibatch split over the ranks; 8 rounds of 16 gradient steps. The TD loss of
  # the third round is compared: the rounding differences grow once they change an action (one
  # run: the 8th round's loss was 0.211 alone and 0.335 at 2 ranks, the 3rd's 3e-6 apart)
  args=(train --agent dqn --env CartPole-v1 --steps 3000 --learning-starts 1000 --train-frequency 256
        --gradient-steps 16 --log-every 0 --eval-every 0 --final-eval-episodes 5 --seed 4)
  metric=loss pick=2
elif [ "$agent" = reinforce ]; then
  # the MLP policy and the value network: each rank its rows of the update's steps; the second
  # update's policy loss is compared (seen: 5e-6 apart at 2 ranks)
  args=(train --agent reinforce --env CartPole-v1 --steps 6000 --baseline value --final-eval-episodes 5 --seed 4)
  metric=policy_loss pick=1
elif [ "$agent" = reinforce-lstm ]; then
  # REINFORCE's LSTM policy on a small oracle (a dense reward): each rank its rows of the update's
  # sequences (seen: 3e-5 apart at 2 ranks: the loss is a small sum of terms of both signs)
  args=(train --agent reinforce --env TextOracle-v0 --env-options '{"seq_len":10,"vocab":500}' --steps 3000
        --final-eval-episodes 5 --seed 4)
  metric=policy_loss pick=1
else
  args=(train --agent "$agent" --env TextGrammar-v0 --steps 2176 --pretrain-g-epochs 2 --pretrain-d-rounds 2 --rollouts 2
        --negatives 512 --samples 1024 --final-eval-episodes 20 --seed 4)
  [ "$agent" = leakgan ] && args+=(--pretrain-rounds 1)
fi
source "$(dirname "${BASH_SOURCE[0]}")/launch.sh"
dloss() {  # the value of $metric logged at index $pick (D's loss; DQN's TD loss)
  /usr/bin/python3 -c '
import json, sys
v = [json.loads(l) for l in open(sys.argv[1])]
d = [x[sys.argv[2]] for x in v if sys.argv[2] in x]
k = int(sys.argv[3])
print(d[k] if -len(d) <= k < len(d) else "none")' "$1/metrics.jsonl" "$metric" "$pick"
}
close() {  # close A B: relative difference below 1e-4
  /usr/bin/python3 -c 'import sys; a, b = map(float, sys.argv[1:3]); sys.exit(0 if abs(a - b) <= 1e-4 * abs(a) else 1)' "$1" "$2"
}
"$seqrl" "${args[@]}" --out "$dir/np1" > "$dir/np1.out" 2> "$dir/np1.err" || { cat "$dir/np1.err"; exit 1; }
one=$(dloss "$dir/np1")
[ "$one" != none ] || { echo "FAIL: no $metric in metrics.jsonl"; head "$dir/np1/metrics.jsonl"; exit 1; }
for np in 2 3; do
  mpi "$np" "$seqrl" "${args[@]}" --out "$dir/np$np" > "$dir/np$np.out" 2> "$dir/np$np.err" ||
    { cat "$dir/np$np.err"; echo "FAIL: mpirun -np $np seqrl train --agent $agent"; exit 1; }
  [ "$(wc -l < "$dir/np$np.out")" -eq 1 ] || { echo "FAIL: stdout has other ranks' results"; cat "$dir/np$np.out"; exit 1; }
  got=$(dloss "$dir/np$np")
  close "$one" "$got" || { echo "FAIL: $np ranks end with $metric $got, one process $one"; exit 1; }
  echo "ok: $np ranks: $metric [$pick] $got, one process $one"
done
mpi 2 "$seqrl" "${args[@]}" --out "$dir/np2b" > /dev/null 2> "$dir/np2b.err" || { cat "$dir/np2b.err"; exit 1; }
strip() { sed -E 's/"(wall_)?seconds":[0-9.e+-]+,?//g' "$1"; }
[ "$(strip "$dir/np2/metrics.jsonl")" = "$(strip "$dir/np2b/metrics.jsonl")" ] ||
  { echo "FAIL: two runs at 2 ranks differ"; diff <(strip "$dir/np2/metrics.jsonl") <(strip "$dir/np2b/metrics.jsonl") | head; exit 1; }
echo "ok: 2 ranks twice: the same metrics bit for bit"
