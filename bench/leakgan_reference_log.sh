#!/usr/bin/env bash
# LeakGAN's paper protocol, run as LeakGAN's own code runs it, next to the one training curve its
# repository publishes on an oracle we have: the length-20 console log in CR-Gjx/LeakGAN's
# `Synthetic Data/README.md`, on SeqGAN's oracle (our ../shared/data/seqgan_oracle), transcribed in
# bench/results/leakgan_reference/reference_log.json.
#
#   seqrl train --agent leakgan --protocol paper-reference: 10 interleaved pre-training rounds
#   (5 D rounds of 3 epochs on fresh oracle positives and negatives drawn at temperature 2/3, then
#   8 G epochs), NLL-oracle at temperature 2/3 after G epochs 0 and 5 of each round as the log has
#   it (--pretrain-nll-every 5), then adversarial batches (one g-step with 4 rollouts every 4
#   tokens, 5 D rounds of 3 epochs) with NLL-oracle twice in each (--nll-at both): after its g-step,
#   where the log's figure for batch b (0-based) is taken, before the batch's D rounds
#   (nll_oracle_before_d), and after them (nll_oracle); through the leak G's samples depend on D,
#   so the two differ by what those D rounds did (raw results without nll_oracle_before_d have the
#   second only). In pre-training both come after the round's D rounds and the same G epochs. The pre-training is
#   saved after every round (--pretrain-checkpoint RUNS/sSEED/pretrain.safetensors; a round is
#   about 15 minutes at SEQRL_NUM_THREADS=2 on this 2-core machine otherwise idle, 30-40 on one core
#   of it shared with other runs): a stop asked for during
#   it (kill -TERM this script; Ctrl-C in a terminal) takes effect after the current round, and a
#   kill -9 loses only that round. Then a checkpoint after every adversarial batch. Either way,
#   run the same command again to go on. The run's figures are copied to the raw results every
#   minute and when it stops; its progress is in RUNS/sSEED/stderr.log (fixed: RUNS/fixed_sSEED,
#   fixed-lr0.01: RUNS/fixed_lr0.01_sSEED, fixed-3rounds: RUNS/fixed_3rounds_sSEED, and so on).
#
# ORDER: shuffled (G's pre-training data shuffled every epoch, our default) or fixed (the one order
# the data came in, every epoch, as LeakGAN's code's loader walks it: --pretrain-shuffle 0),
# followed by any of these changes from the reference protocol, each for a question of its own:
#   -lr0.01: G's Adam rate 0.01, the rate Main.py sets before its length-20 branch sets 0.0015 (is
#     the faster fall of LeakGAN's second log that rate's?);
#   -3rounds: the pre-training cut to its first 3 rounds (about 45 minutes at 2 threads), to reach
#     the adversarial phase's first batches in an hour;
#   -carried-adam: pre-training's Adam moments carried into the g-steps (--fresh-adversarial-adam
#     0), as every run of this protocol before commit 7a6000e had them;
#   -first-tokens-1: the first two tokens of the g-steps' samples drawn at temperature 1, as every
#     run before commit 7b98be4 had them (--first-tokens-temperature 1; the code draws them at 2/3);
#   -goal-shift: scored with each block's goals one prefix later than sampled (--score-goal-shift 1),
#     as the code's teacher-forced graph has them (its pre-training too: a run of its own).
# For example fixed-3rounds-carried-adam.
#
# Raw results (small, committed): bench/results/leakgan_reference/seed$SEED (fixed: fixed_seed$SEED,
# fixed-lr0.01: fixed_lr0.01_seed$SEED, fixed-3rounds: fixed_3rounds_seed$SEED,
# fixed-carried-adam: fixed_carried_adam_seed$SEED, and so on)/
# run.{jsonl,summary.json,machine.json,stderr.log}
# The run's own files (checkpoints, in RUNS) are not committed: a fresh clone cannot resume a run
# whose raw results it holds, and starting it again would write a shorter curve over them, so the
# script refuses to; SEQRL_RESTART=1 starts it again from its first round and replaces them as it
# goes (the same seed, commit and thread count give the same figures, bit for bit).
# usage: [SEQRL_BIN=build/seqrl] [SEQRL_RESTART=1] SEQRL_NUM_THREADS=1 bash bench/leakgan_reference_log.sh SEED [ORDER=shuffled] [RUNS=runs/leakgan_reference]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seed=${1:?seed}
order=${2:-shuffled}
extra=()
runs=${3:-$root/runs/leakgan_reference}
rest=$order
case $rest in
  shuffled*) shuffle=1 rest=${rest#shuffled} ;;
  fixed*) shuffle=0 rest=${rest#fixed} ;;
  *) rest=?$rest ;;
esac
while [ -n "$rest" ]; do
  case $rest in
    -lr0.01*) extra+=(--g-lr 0.01) rest=${rest#-lr0.01} ;;
    -3rounds*) extra+=(--pretrain-rounds 3) rest=${rest#-3rounds} ;;
    -carried-adam*) extra+=(--fresh-adversarial-adam 0) rest=${rest#-carried-adam} ;;
    -first-tokens-1*) extra+=(--first-tokens-temperature 1) rest=${rest#-first-tokens-1} ;;
    -goal-shift*) extra+=(--score-goal-shift 1) rest=${rest#-goal-shift} ;;
    *) echo "bench/leakgan_reference_log.sh: ORDER is shuffled or fixed followed by any of -lr0.01, -3rounds, -carried-adam, -first-tokens-1, -goal-shift, not '$order'" >&2
      exit 2 ;;
  esac
done
if [ "$order" = shuffled ]; then
  name=s$seed raw=$root/bench/results/leakgan_reference/seed$seed
else
  name=${order//-/_}_s$seed raw=$root/bench/results/leakgan_reference/${order//-/_}_seed$seed
fi
oracle=$(cd "${SEQRL_SHARED:-$root/../shared}/data/seqgan_oracle" && pwd)
# SEQRL_BIN: a copy of the binary (and its commit in SEQRL_BIN.commit), so that a rebuild beside a long run does not change what it resumes with
bin=${SEQRL_BIN:-$root/build/seqrl}
[ -x "$bin" ] || bash "$root/cmake/setup.sh" "$root/build" > /dev/null
mkdir -p "$raw" "$runs"
d=$runs/$name
bash "$root/bench/restart_guard.sh" bench/leakgan_reference_log.sh "$raw/run" "its first round" \
  "$d/checkpoint.safetensors" "$d/pretrain.safetensors"
keep() {  # the run's metrics and summary into the raw results, with the commit and the machine
  [ -f "$d/metrics.jsonl" ] || return 0
  cp "$d/metrics.jsonl" "$raw/run.jsonl"
  # (the pre-training's figures, NLL-oracle among them, reach metrics.jsonl only when it ends)
  cp "$d/stderr.log" "$raw/run.stderr.log"
  [ -f "$d/summary.json" ] && cp "$d/summary.json" "$raw/run.summary.json"
  bash "$root/bench/machine.sh" --update "$raw/run.machine.json" "$bin" "${SEQRL_NUM_THREADS:-all}" "bash bench/leakgan_reference_log.sh $seed $order"
}
# a batch is 64 sequences of 20 tokens on 64 envs: 1,280 steps
if [ -f "$d/checkpoint.safetensors" ]; then
  "$bin" train --resume "$d/checkpoint.safetensors" > /dev/null 2>> "$d/stderr.log" &
else
  # (from its last saved pre-training round, when there is one)
  mkdir -p "$d"
  "$bin" train --agent leakgan --env TextOracle-v0 --env-options "{\"oracle\": \"$oracle\"}" \
    --protocol paper-reference --seed "$seed" --num-envs 64 --pretrain-nll-every 5 --nll-every 1 --nll-at both \
    --pretrain-shuffle "$shuffle" "${extra[@]}" --pretrain-checkpoint "$d/pretrain.safetensors" --checkpoint-every 1280 --out "$d" --overwrite \
    > /dev/null 2>> "$d/stderr.log" &
fi
pid=$!
# (under set -e a bare `wait` of a stopped run, exit 130, would end the script before keep)
trap 'kill -INT $pid 2> /dev/null; wait $pid || true; keep; exit 130' INT TERM
while kill -0 $pid 2> /dev/null; do
  sleep 60
  keep
done
rc=0
wait $pid || rc=$?
keep
exit $rc
