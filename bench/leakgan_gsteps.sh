#!/usr/bin/env bash
# LeakGAN's g-steps alone, from a reference run's saved pre-training: how far do the reference
# protocol's g-steps (no D rounds between them) move NLL-oracle, with the first two tokens of the
# samples they learn from drawn at temperature 1 or, as LeakGAN's code draws them in training, at
# logits x 1.5 (--first-tokens-temperature)?
#
# In the reference variant the worker's reward is one scalar for the whole batch, so over tokens
# drawn from the generator itself the expected gradient of its loss is about zero; drawn at x 1.5,
# the first two tokens pull the generator towards its own cooled distribution. The adversarial
# phase of bench/leakgan_reference_log.sh (before commit 7b98be4: every token at 1) fell more
# slowly than LeakGAN's logs; this isolates the g-steps' share, without D's rounds, whose training
# changes the leak and the figure with it (docs/results.md).
#
# With ORDER's -adversarial-goal-shift (--adversarial-goal-shift; -goal-shift: the pre-training
# too), the g-steps learn as LeakGAN's code's do, off the distribution they sample from
# (docs/leakgan.md): does that make them fall faster?
#
#   seqrl train --agent leakgan --protocol paper-reference (ORDER's options, bench/leakgan_order.sh)
#   --d-steps 0 --total-batches BATCHES, NLL-oracle (temperature 2/3, 9,984 samples) after every
#   g-step, from a copy of the pre-training file that `bash bench/leakgan_reference_log.sh SEED
#   ORDER` saved in runs/leakgan_reference/ (not committed: a fresh clone runs that first;
#   fixed-3rounds: about 45 minutes at 2 threads, fixed: about 2.4 hours).
#
# ORDER: as bench/leakgan_reference_log.sh's, without -first-tokens-1 (HEAD sets it): fixed,
# fixed-3rounds, fixed-adversarial-goal-shift, fixed-3rounds-goal-shift, ...
# HEAD: 1 (every token at temperature 1) or 2/3 (the first two at 2/3, the reference's default).
# Raw results (committed): bench/results/leakgan_gsteps/<ORDER>_s<SEED>_head<1|2of3>/run.{jsonl,machine.json,stderr.log}
# usage: [SEQRL_BIN=build/seqrl] SEQRL_NUM_THREADS=1 bash bench/leakgan_gsteps.sh SEED ORDER HEAD [BATCHES=20]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seed=${1:?seed} order=${2:?ORDER: fixed, fixed-3rounds, ...} head=${3:?HEAD: 1 or 2/3} batches=${4:-20}
source "$root/bench/leakgan_order.sh"
leakgan_order bench/leakgan_gsteps.sh "$order" || exit 2
case " ${leakgan_suffixes[*]} " in
  *" first-tokens-1 "*) echo "bench/leakgan_gsteps.sh: HEAD sets the first two tokens' temperature: ORDER without -first-tokens-1, not '$order'" >&2
    exit 2 ;;
esac
case $head in
  1) temp=1 tag=1 ;;
  2/3) temp=0.6666667 tag=2of3 ;;  # (the float nearest 2/3, as the reference variant's 2.f / 3.f)
  *) echo "bench/leakgan_gsteps.sh: HEAD is 1 or 2/3, not '$head'" >&2; exit 2 ;;
esac
# the saved pre-training of the reference run of that ORDER, or of one that differs from it in
# the adversarial phase alone (the same pre-training, bit for bit)
pre=$(leakgan_pretrain_from "$root/runs/leakgan_reference" "$seed")
if [ -z "$pre" ]; then
  echo "bench/leakgan_gsteps.sh: no saved pre-training for seed $seed, order $order in runs/leakgan_reference/: run 'bash bench/leakgan_reference_log.sh $seed $order' first" >&2
  exit 1
fi
oracle=$(cd "${SEQRL_SHARED:-$root/../shared}/data/seqgan_oracle" && pwd)
bin=${SEQRL_BIN:-$root/build/seqrl}
[ -x "$bin" ] || bash "$root/cmake/setup.sh" "$root/build" > /dev/null
name=${order}_s${seed}_head$tag
d=$root/runs/leakgan_gsteps/$name raw=$root/bench/results/leakgan_gsteps/$name
rm -rf "$d"
mkdir -p "$d" "$raw"
cp "$pre" "$d/pretrain.safetensors"
rc=0
leakgan_train_args "$seed" "$oracle"
"$bin" train "${leakgan_args[@]}" --nll-at g-step --pretrain-checkpoint "$d/pretrain.safetensors" \
  --d-steps 0 --first-tokens-temperature "$temp" --total-batches "$batches" --steps 0 --out "$d" --overwrite \
  > /dev/null 2> "$d/stderr.log" || rc=$?
cp "$d/metrics.jsonl" "$raw/run.jsonl"
cp "$d/stderr.log" "$raw/run.stderr.log"
bash "$root/bench/machine.sh" --update "$raw/run.machine.json" "$bin" "${SEQRL_NUM_THREADS:-all}" \
  "bash bench/leakgan_gsteps.sh $seed $order $head $batches"
rm -f "$d/pretrain.safetensors"  # (a copy of the source's)
exit $rc
