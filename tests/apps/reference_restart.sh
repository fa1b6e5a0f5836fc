#!/usr/bin/env bash
# bench/{leakgan,seqgan}_reference_log.sh in a clone that holds a run's committed figures but not its
# checkpoints: each stops with a message naming the raw folder, exit 1, without starting the run
# and without touching those figures. A run it can resume (its checkpoint present) is started.
# A run they start has its figures copied into the raw results while it runs, and a stop asked of
# the script (kill -TERM) reaches the run as an interrupt, copies them once more and exits 130.
# The scripts, bench/leakgan_order.sh, bench/long_run.sh, bench/machine.sh and bench/restart_guard.sh are copied into a scratch tree; the binary is a stand-in that
# records its arguments.
# usage: tests/apps/reference_restart.sh SCRATCH
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
t=${1:?scratch directory}
rm -rf "$t" && mkdir -p "$t/bench" "$t/shared/data/seqgan_oracle" "$t/runs"
cp "$src/bench/leakgan_reference_log.sh" "$src/bench/leakgan_order.sh" "$src/bench/long_run.sh" "$src/bench/seqgan_reference_log.sh" "$src/bench/machine.sh" "$src/bench/restart_guard.sh" "$t/bench/"
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
# an ORDER that changes the adversarial phase alone starts from a copy of its pre-training's run's
# saved file; one with another pre-training does not
echo pretrained > "$t/runs/leakgan/fixed_s1/pretrain.safetensors"
bash "$t/bench/leakgan_reference_log.sh" 1 fixed-adversarial-goal-shift "$t/runs/leakgan" 2> "$t/leak4.err" || true
grep -q pretrained "$t/runs/leakgan/fixed_adversarial_goal_shift_s1/pretrain.safetensors" 2> /dev/null ||
  fail "fixed-adversarial-goal-shift did not start from fixed's pre-training: $(cat "$t/leak4.err")"
grep -q -- "--adversarial-goal-shift 1 --nll-at both --pretrain-checkpoint $t/runs/leakgan/fixed_adversarial_goal_shift_s1/pretrain.safetensors" "$t/called" ||
  fail "fixed-adversarial-goal-shift's options: $(cat "$t/called")"
bash "$t/bench/leakgan_reference_log.sh" 1 fixed-3rounds "$t/runs/leakgan" 2> "$t/leak5.err" || true
[ ! -e "$t/runs/leakgan/fixed_3rounds_s1/pretrain.safetensors" ] || fail "fixed-3rounds started from fixed's pre-training"
rc=0
bash "$t/bench/leakgan_reference_log.sh" 1 fixed-4rounds "$t/runs/leakgan" 2> "$t/leak3.err" || rc=$?
[ $rc = 2 ] && grep -q "not 'fixed-4rounds'" "$t/leak3.err" || fail "an unknown ORDER: exit $rc, $(cat "$t/leak3.err")"

# a run that writes its figures and waits: they reach the raw results while it runs; TERM to the
# script reaches the run as INT, and the script exits 130
# (python, not sh: a background job of a script starts with SIGINT ignored, which sh cannot
# trap but a program, seqrl as this stand-in, can handle)
cat > "$t/slow-seqrl" << EOF
#!/usr/bin/python3
import os, signal, sys, time
out = sys.argv[sys.argv.index("--out") + 1]
def stop(*_):
    open("$t/stopped", "w").write("interrupted")
    sys.exit(130)
signal.signal(signal.SIGINT, stop)
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "metrics.jsonl"), "w").write('{"nll_oracle_before_d": 8.1, "step": 1280}\\n')
open(os.path.join(out, "stderr.log"), "w").close()
time.sleep(60)
EOF
chmod +x "$t/slow-seqrl" && echo 0000000 > "$t/slow-seqrl.commit"  # (machine.sh: the scratch tree is no git work tree)
SEQRL_BIN=$t/slow-seqrl SEQRL_KEEP_EVERY=1 bash "$t/bench/leakgan_reference_log.sh" 2 fixed-3rounds "$t/runs/leakgan" 2> "$t/slow.err" &
pid=$!
raw=$t/bench/results/leakgan_reference/fixed_3rounds_seed2/run.jsonl
for i in $(seq 100); do [ -s "$raw" ] && break; sleep 0.1; done
grep -q 8.1 "$raw" 2> /dev/null || fail "the running run's figures did not reach $raw: $(cat "$t/slow.err")"
rm "$raw"
kill -TERM $pid
rc=0
wait $pid || rc=$?
[ $rc = 130 ] || fail "a stopped run's script exited $rc, not 130: $(cat "$t/slow.err")"
grep -q interrupted "$t/stopped" 2> /dev/null || fail "the stop did not reach the run as an interrupt"
grep -q 8.1 "$raw" 2> /dev/null || fail "the stopped run's figures were not copied once more"
echo "ok: both scripts refuse to restart over committed figures, resume what they can, keep a running run's figures and stop it on TERM"
