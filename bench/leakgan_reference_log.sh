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
# ORDER: shuffled or fixed (G's pre-training data shuffled every epoch, or walked in the one order
# LeakGAN's code's loader walks it), followed by any of the changes from the reference protocol
# that bench/leakgan_order.sh lists (-lr0.01, -3rounds, -carried-adam, -first-tokens-1,
# -goal-shift, -adversarial-goal-shift), each for a question of its own. For example
# fixed-3rounds-carried-adam. An ORDER whose suffixes change the adversarial phase alone starts
# from a copy of the saved pre-training of the ORDER without them, when this machine has one.
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
runs=${3:-$root/runs/leakgan_reference}
source "$root/bench/leakgan_order.sh"
leakgan_order bench/leakgan_reference_log.sh "$order" || exit 2
if [ "$order" = shuffled ]; then
  name=s$seed raw=$root/bench/results/leakgan_reference/seed$seed
else
  name=${leakgan_tag}_s$seed raw=$root/bench/results/leakgan_reference/${leakgan_tag}_seed$seed
fi
oracle=$(cd "${SEQRL_SHARED:-$root/../shared}/data/seqgan_oracle" && pwd)
source "$root/bench/long_run.sh"
long_run_bin "$root"  # (SEQRL_BIN)
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
if [ -f "$d/checkpoint.safetensors" ]; then
  long_run keep "$d/stderr.log" "$bin" train --resume "$d/checkpoint.safetensors"
else
  # (from its last saved pre-training round, when there is one: its own, or, for an ORDER that
  # changes the adversarial phase alone, a copy of the same pre-training's, bench/leakgan_order.sh)
  mkdir -p "$d"
  if [ ! -f "$d/pretrain.safetensors" ]; then
    from=$(leakgan_pretrain_from "$runs" "$seed")
    if [ -n "$from" ]; then
      cp "$from" "$d/pretrain.safetensors.tmp" && mv "$d/pretrain.safetensors.tmp" "$d/pretrain.safetensors"
      echo "bench/leakgan_reference_log.sh: the pre-training copied from ${from#"$root"/}" >> "$d/stderr.log"
    fi
  fi
  leakgan_train_args "$seed" "$oracle"
  long_run keep "$d/stderr.log" "$bin" train "${leakgan_args[@]}" --nll-at both \
    --pretrain-checkpoint "$d/pretrain.safetensors" --checkpoint-every 1280 --out "$d" --overwrite
fi
