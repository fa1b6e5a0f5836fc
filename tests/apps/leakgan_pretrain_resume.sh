#!/usr/bin/env bash
# LeakGAN's pre-training in pieces through the real command: a run with --pretrain-checkpoint,
# sent SIGINT once its first round is saved, must stop after a round with exit 130 and a message
# naming the file; the same command run again must go on from there and end exactly as the run
# without the interruption (final evaluation and every metrics line but the wall-clock column).
# usage: leakgan_pretrain_resume.sh SEQRL_BINARY WORKDIR
set -u
seqrl=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
args=(train --agent leakgan --env TextOracle-v0 --env-options '{"vocab": 300, "seq_len": 12, "oracle_seed": 3}'
      --samples 2000 --negatives 2000 --pretrain-rounds 4 --pretrain-d-rounds 1 --pretrain-g-epochs 2
      --total-batches 1 --steps 0 --seed 3 --num-envs 16 --eval-every 0 --final-eval-episodes 2)
"$seqrl" "${args[@]}" --out straight --pretrain-checkpoint straight.pre > straight.json 2> straight.err ||
  { echo "FAIL: straight run"; cat straight.err; exit 1; }
"$seqrl" "${args[@]}" --out cut --pretrain-checkpoint cut.pre > /dev/null 2> cut.err &
pid=$!
for _ in $(seq 1200); do [ -f cut.pre ] && break; sleep 0.05; done
[ -f cut.pre ] || { echo "FAIL: no pre-training checkpoint after 60 s"; kill -9 "$pid"; exit 1; }
kill -INT "$pid"
wait "$pid"
rc=$?
tail -1 cut.err
[ "$rc" -eq 130 ] || { echo "FAIL: the interrupted run exited $rc, not 130"; exit 1; }
grep -q "pre-training stopped by SIGINT (Ctrl-C) after round [123] of 4; it is saved in 'cut.pre'" cut.err ||
  { echo "FAIL: stderr does not say where the pre-training stopped (did it end before the signal?)"; exit 1; }
"$seqrl" "${args[@]}" --out cut --pretrain-checkpoint cut.pre > resumed.json 2> resumed.err ||
  { echo "FAIL: the same command again"; cat resumed.err; exit 1; }
grep -q "pre-training resumed from 'cut.pre' after round [123] of 4" resumed.err || { echo "FAIL: it did not resume"; exit 1; }
strip() { sed -E 's/"(wall_)?seconds":[0-9.e+-]+//' "$1"; }
[ "$(strip straight.json)" = "$(strip resumed.json)" ] || { echo "FAIL: results differ"; cat straight.json resumed.json; exit 1; }
diff <(strip straight/metrics.jsonl) <(strip cut/metrics.jsonl) > /dev/null || { echo "FAIL: metrics.jsonl differs"; exit 1; }
echo "ok: stopped in pre-training, resumed, identical: $(cat resumed.json)"
