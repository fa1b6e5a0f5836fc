#!/usr/bin/env bash
# SeqGAN's paper protocol, run as SeqGAN's own code runs it, next to that code's published training
# log (LantaoYu/SeqGAN save/experiment-log.txt, measured on the same oracle: our
# ../shared/data/seqgan_oracle is its target_params): NLL-oracle after every epoch of G's MLE
# pre-training and after every adversarial batch.
#
#   pretrain SEED   G's 120 epochs of MLE (seqrl fit lm: SeqGAN's sizes, N(0, 0.1) init, Adam 0.01,
#                   clip 5, batch 64, 10,000 oracle samples; the same data as TextOracle-v0's seed),
#                   NLL-oracle on 9,984 samples after each epoch. About 15 minutes on one core.
#   pretrain-fixed SEED
#                   the same with one fixed order of the data every epoch (fit lm --shuffle 0), as
#                   SeqGAN's loader walks its file: the data order is what separates the two curves.
#   adversarial SEED
#                   seqrl train --agent seqgan --protocol reference from that generator: D's 50
#                   rounds of pre-training (about 55 minutes on one core), then adversarial batches
#                   (about 5.5 minutes each) with NLL-oracle after each. A checkpoint after every
#                   batch: stop it at any time (Ctrl-C, or kill), run the same command again and it
#                   resumes; each piece's figures are copied to the raw results as it goes.
#   plot            bench/results.py: the table in docs/results.md and docs/seqgan_reference_log.png
#                   from the committed raw results (with every other generated table).
#
# Raw results (small JSON, committed): bench/results/seqgan_reference/seed$SEED/{pretrain,pretrain_fixed,adversarial}.jsonl
# usage: [SEQRL_BIN=build/seqrl] [SEQRL_RESTART=1] SEQRL_NUM_THREADS=1 bash bench/seqgan_reference_log.sh pretrain|pretrain-fixed|adversarial SEED [RUNS=runs/seqgan_reference]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
what=${1:?pretrain, pretrain-fixed, adversarial or plot}
if [ "$what" = plot ]; then exec /usr/bin/python3 "$root/bench/results.py"; fi
seed=${2:?seed}
runs=${3:-$root/runs/seqgan_reference}
raw=$root/bench/results/seqgan_reference/seed$seed
oracle=$(cd "${SEQRL_SHARED:-$root/../shared}/data/seqgan_oracle" && pwd)
# The runs' own files (checkpoints, in RUNS) are not committed: a fresh clone cannot resume an
# adversarial run whose raw results it holds, and starting it again would write a shorter curve over
# them, so `adversarial` refuses to; SEQRL_RESTART=1 starts it again from D's first round and
# replaces them as it goes (the same seed, commit and thread count give the same figures).
source "$root/bench/long_run.sh"
long_run_bin "$root"  # (SEQRL_BIN)
mkdir -p "$raw" "$runs"
fit=$runs/pretrain_s$seed
keep() {  # the run's metrics and summary into the raw results, with the commit and the machine
  local dir=$1 name=$2
  cp "$dir/metrics.jsonl" "$raw/$name.jsonl"
  [ -f "$dir/summary.json" ] && cp "$dir/summary.json" "$raw/$name.summary.json"
  bash "$root/bench/machine.sh" --update "$raw/$name.machine.json" "$bin" "${SEQRL_NUM_THREADS:-all}"
}
case $what in
  pretrain)
    if [ ! -f "$fit/summary.json" ]; then
      # 10,000 sequences in whole batches of 64: 156 updates an epoch, as SeqGAN's loader
      "$bin" fit lm --data oracle --oracle "$oracle" --seed "$seed" --init-std 0.1 --samples 10000 \
        --steps $((120 * 156)) --eval-every 156 --eval-samples 9984 --out "$fit" --overwrite > /dev/null
    fi
    keep "$fit" pretrain ;;
  pretrain-fixed)
    d=$runs/pretrain_fixed_s$seed
    if [ ! -f "$d/summary.json" ]; then
      "$bin" fit lm --data oracle --oracle "$oracle" --seed "$seed" --init-std 0.1 --samples 10000 --shuffle 0 \
        --steps $((120 * 156)) --eval-every 156 --eval-samples 9984 --out "$d" --overwrite > /dev/null
    fi
    keep "$d" pretrain_fixed ;;
  adversarial)
    [ -f "$fit/generator.safetensors" ] || { echo "run 'pretrain $seed' first" >&2; exit 1; }
    d=$runs/adversarial_s$seed
    bash "$root/bench/restart_guard.sh" "bench/seqgan_reference_log.sh adversarial" "$raw/adversarial" "D's first round" \
      "$d/checkpoint.safetensors"
    keep_adversarial() { [ ! -f "$d/metrics.jsonl" ] || keep "$d" adversarial; }
    # a batch is 64 sequences of 20 tokens on 64 envs: 1,280 steps
    if [ -f "$d/checkpoint.safetensors" ]; then
      long_run keep_adversarial - "$bin" train --resume "$d/checkpoint.safetensors"
    else
      long_run keep_adversarial - "$bin" train --agent seqgan --env TextOracle-v0 --env-options "{\"oracle\": \"$oracle\"}" \
        --protocol reference --seed "$seed" --num-envs 64 --init-generator "$fit" --nll-every 1 \
        --checkpoint-every 1280 --out "$d" --overwrite
    fi ;;
  *) echo "pretrain, pretrain-fixed, adversarial or plot" >&2; exit 2 ;;
esac
