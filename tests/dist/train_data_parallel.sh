#!/usr/bin/env bash
# `mpirun -np N seqrl train --agent seqgan|leakgan|dqn|reinforce|ppo`: the discriminator (DQN: the
# Q-network; REINFORCE and PPO: the policy and value networks) trains
# data-parallel (each rank its rows of the global batch, dropout masks drawn for the global batch,
# gradients summed in rank order), the GANs' rollouts and negatives are split by rows, and the
# rest repeats on every rank:
#  - N = 2 and 3 (oversubscribed) give the first update's figure within a stated tolerance of one
#    process. The shards' sums round differently, so an exact match is not expected, and only the
#    first update is compared: from the second on, every run samples from a policy that already
#    differs by rounding, and a sampled action or token flips once a probability crosses its
#    uniform draw; after a flip the runs are different runs (seen on an AVX2 machine: SeqGAN's
#    d_loss 6e-9 apart at the first adversarial batch, then 2e-4 apart after a flip). The first
#    update sees the same data at every rank count, and each tolerance below is at least 10 times
#    the largest difference seen on both kinds of CPU (an AVX-512 one built -march=native with
#    OpenBLAS's own kernels, and -march=x86-64-v3 with OPENBLAS_CORETYPE=Haswell: AVX2 and FMA);
#  - the same N twice gives the same bits;
#  - rank 0 alone writes the run folder and stdout.
# usage: train_data_parallel.sh SEQRL_BINARY MPIEXEC WORKDIR [AGENT=seqgan|leakgan|dqn|reinforce|reinforce-lstm|ppo|ppo-text]
set -euo pipefail
seqrl=$1 mpiexec=$2 dir=$3 agent=${4:-seqgan}
rm -rf "$dir" && mkdir -p "$dir"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
       OMPI_MCA_btl_vader_single_copy_mechanism=none SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
metric=d_loss pick=0 tol=1e-6  # the first adversarial batch's d_loss (seen: 3e-8)
if [ "$agent" = dqn ]; then
  # the Q-network's minibatch split over the ranks; 8 rounds of 16 gradient steps. The TD loss of
  # the first round is compared: the rounding differences grow once they change an action (one
  # run: the 8th round's loss was 0.211 alone and 0.335 at 2 ranks; the first's 2e-7 apart)
  args=(train --agent dqn --env CartPole-v1 --steps 3000 --learning-starts 1000 --train-frequency 256
        --gradient-steps 16 --log-every 0 --eval-every 0 --final-eval-episodes 5 --seed 4)
  metric=loss pick=0 tol=1e-5
elif [ "$agent" = reinforce ]; then
  # the MLP policy and the value network: each rank its rows of the update's steps; the first
  # update's policy loss is compared (seen: 1e-7; the second's, after the policy moved, 3e-5)
  args=(train --agent reinforce --env CartPole-v1 --steps 6000 --baseline value --final-eval-episodes 5 --seed 4)
  metric=policy_loss pick=0 tol=1e-5
elif [ "$agent" = reinforce-lstm ]; then
  # REINFORCE's LSTM policy on a small oracle (a dense reward): each rank its rows of the update's
  # sequences. The first update's gradient norm is compared, not its loss: the loss is a small sum
  # of terms of both signs (the mean baseline), so its relative rounding is far larger than a
  # float's (seen: 2e-4 apart natively, 8e-5 on AVX2)
  args=(train --agent reinforce --env TextOracle-v0 --env-options '{"seq_len":10,"vocab":500}' --steps 3000
        --final-eval-episodes 5 --seed 4)
  metric=grad_norm pick=0 tol=1e-5
elif [ "$agent" = ppo-text ]; then
  # PPO with a KL anchor on a small oracle: each rank its rows of every minibatch of sequences;
  # the first update's value loss is compared (its epochs on the first rollout's data)
  args=(train --agent ppo --env TextOracle-v0 --env-options '{"seq_len":8,"vocab":200}' --steps 2000
        --episodes-per-update 32 --num-envs 32 --final-eval-episodes 5 --seed 4)
  metric=value_loss pick=0 tol=1e-5
elif [ "$agent" = ppo ]; then
  # PPO on CartPole (8 envs, rl-zoo's settings): each rank its rows of every minibatch; the first
  # update's value loss is compared (a mean of squares over its 20 epochs of minibatches, all on
  # the first rollout's data: rounding only, no sampling in between)
  args=(train --agent ppo --env CartPole-v1 --steps 2048 --final-eval-episodes 5 --seed 4)
  metric=value_loss pick=0 tol=1e-5
else
  args=(train --agent "$agent" --env TextGrammar-v0 --steps 2176 --pretrain-g-epochs 2 --pretrain-d-rounds 2 --rollouts 2
        --negatives 512 --samples 1024 --final-eval-episodes 20 --seed 4)
  [ "$agent" = leakgan ] && args+=(--pretrain-rounds 1)  # (LeakGAN seen: 2e-8)
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
"$seqrl" "${args[@]}" --out "$dir/np1" > "$dir/np1.out" 2> "$dir/np1.err" || { cat "$dir/np1.err"; exit 1; }
one=$(dloss "$dir/np1")
[ "$one" != none ] || { echo "FAIL: no $metric in metrics.jsonl"; head "$dir/np1/metrics.jsonl"; exit 1; }
for np in 2 3; do
  mpi "$np" "$seqrl" "${args[@]}" --out "$dir/np$np" > "$dir/np$np.out" 2> "$dir/np$np.err" ||
    { cat "$dir/np$np.err"; echo "FAIL: mpirun -np $np seqrl train --agent $agent"; exit 1; }
  [ "$(wc -l < "$dir/np$np.out")" -eq 1 ] || { echo "FAIL: stdout has other ranks' results"; cat "$dir/np$np.out"; exit 1; }
  got=$(dloss "$dir/np$np")
  within "$one" "$got" "$tol" || { echo "FAIL: $np ranks: $metric [$pick] $got, one process $one"; exit 1; }
  echo "ok: $np ranks: $metric [$pick] $got, one process $one"
done
mpi 2 "$seqrl" "${args[@]}" --out "$dir/np2b" > /dev/null 2> "$dir/np2b.err" || { cat "$dir/np2b.err"; exit 1; }
strip() { sed -E 's/"(wall_)?seconds":[0-9.e+-]+,?//g' "$1"; }
[ "$(strip "$dir/np2/metrics.jsonl")" = "$(strip "$dir/np2b/metrics.jsonl")" ] ||
  { echo "FAIL: two runs at 2 ranks differ"; diff <(strip "$dir/np2/metrics.jsonl") <(strip "$dir/np2b/metrics.jsonl") | head; exit 1; }
echo "ok: 2 ranks twice: the same metrics bit for bit"
