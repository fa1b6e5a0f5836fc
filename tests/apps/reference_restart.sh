#!/usr/bin/env bash
# bench/{leakgan,seqgan}_reference_log.sh in a clone that holds a run's committed figures but not its
# checkpoints: each stops with a message naming the raw folder, exit 1, without starting the run
# and without touching those figures. A run it can resume (its checkpoint present) is started.
# The scripts, bench/leakgan_order.sh, bench/machine.sh and bench/restart_guard.sh are copied into a scratch tree; the binary is a stand-in that
# records its arguments.
# usage: tests/apps/reference_restart.sh SCRATCH
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
t=${1:?scratch directory}
rm -rf "$t" && mkdir -p "$t/bench" "$t/shared/data/seqgan_oracle" "$t/runs"
cp "$src/bench/leakgan_reference_log.sh" "$src/bench/leakgan_order.sh" "$src/bench/seqgan_reference_log.sh" "$src/bench/machine.sh" "$src/bench/restart_guard.sh" "$t/bench/"
printf '#!/bin/sh\necho "$@" >> "%s/called"\n' "$t" > "$t/fake-seqrl" && chmod +x "$t/fake-seqrl"
export SEQRL_SHARED=$t/shared SEQRL_BIN=$t/fake-seqrl
fail() { echo "FAIL: $*" >&2; exit 1; }

leak=$t/bench/results/leakgan_reference/fixed_seed1
mkdir -p "$leak" && echo "leakgan: pretrain_g 1 nll_oracle 9.6" > "$leak/run.stderr.log" && : > "$leak/run.jsonl"
seq=$t/bench/results/seqgan_reference/seed1
mkdir -p "$seq" "$t/runs/seqgan/pretrain_s1" && echo '{"nll_oracle": 9.0}' > "$seq/adversarial.jsonl"
touch "$t/runs/seqgan/pretrain_s1/generator.safetensors"
cp -r "$t/bench/results" "$t/before"

rc=0
bash "$t/bench/leakgan_reference_log.sh" 1 fixed "$t/runs/leakgan" 2> "$t/leak.err" || rc=$?
[ $rc = 1 ] || fail "leakgan_reference_log.sh exited $rc, not 1"
grep -q "bench/results/leakgan_reference/fixed_seed1 holds" "$t/leak.err" || fail "no message naming the folder: $(cat "$t/leak.err")"
grep -q "SEQRL_RESTART=1" "$t/leak.err" || fail "the message does not say how to start again"
rc=0
bash "$t/bench/seqgan_reference_log.sh" adversarial 1 "$t/runs/seqgan" 2> "$t/seq.err" || rc=$?
[ $rc = 1 ] || fail "seqgan_reference_log.sh adversarial exited $rc, not 1"
grep -q "bench/results/seqgan_reference/seed1 holds" "$t/seq.err" || fail "no message naming the folder: $(cat "$t/seq.err")"
[ ! -e "$t/called" ] || fail "a run was started: $(cat "$t/called")"
diff -r "$t/before" "$t/bench/results" > /dev/null || fail "the committed figures changed"

# with the pre-training file of the run there, it is resumed: the script starts the binary
mkdir -p "$t/runs/leakgan/fixed_s1" && touch "$t/runs/leakgan/fixed_s1/pretrain.safetensors"
timeout 2 bash "$t/bench/leakgan_reference_log.sh" 1 fixed "$t/runs/leakgan" 2> "$t/leak2.err" || true
grep -q -- "--pretrain-checkpoint $t/runs/leakgan/fixed_s1/pretrain.safetensors" "$t/called" 2> /dev/null ||
  fail "a resumable run was not started: $(cat "$t/leak2.err")"
# ... with its ORDER's options (bench/leakgan_order.sh): the code's data order, both figures
grep -q -- "--pretrain-shuffle 0 --nll-at both" "$t/called" || fail "fixed's options missing: $(cat "$t/called")"
rc=0
bash "$t/bench/leakgan_reference_log.sh" 1 fixed-4rounds "$t/runs/leakgan" 2> "$t/leak3.err" || rc=$?
[ $rc = 2 ] && grep -q "not 'fixed-4rounds'" "$t/leak3.err" || fail "an unknown ORDER: exit $rc, $(cat "$t/leak3.err")"
echo "ok: both scripts refuse to restart over committed figures, and resume what they can"
