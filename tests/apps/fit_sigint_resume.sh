#!/usr/bin/env bash
# Ctrl-C and --resume through `seqrl fit`: a GAN run interrupted by SIGINT part-way, then resumed,
# must end exactly as the same run without the interruption (final figures and every metrics line
# but the wall-clock field), in the folder it was moved to before the resume.
# usage: fit_sigint_resume.sh SEQRL_BINARY WORKDIR
set -u
seqrl=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
args=(fit gan --data grid25 --seed 3 --steps 6000 --eval-every 1000 --eval-samples 500 --gan-hidden 64
      --pretrain-d 20 --d-steps 2)
"$seqrl" "${args[@]}" --out "$work/straight" > "$work/straight.json" 2> /dev/null || { echo "FAIL: straight run"; exit 1; }
"$seqrl" "${args[@]}" --out "$work/cut" --checkpoint-every 500 > /dev/null 2> "$work/cut.err" &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
rc=$?
tail -1 "$work/cut.err"
[ "$rc" -eq 130 ] || { echo "FAIL: the interrupted run exited $rc, not 130 (did it finish before the signal?)"; exit 1; }
grep -q '"interrupted": true' "$work/cut/summary.json" || { echo "FAIL: summary.json does not say interrupted"; exit 1; }
# a run folder moved (or renamed) goes on where it is now, not where it was started
mv "$work/cut" "$work/moved"
"$seqrl" fit --resume "$work/moved/checkpoint.safetensors" > "$work/resumed.json" 2> /dev/null || { echo "FAIL: resume"; exit 1; }
[ ! -e "$work/cut" ] || { echo "FAIL: the resumed run wrote into the folder it was started in, not the one its checkpoint is in"; exit 1; }
strip() { sed -E 's/"wall_seconds":[0-9.e+-]+//' "$1"; }
if [ "$(strip "$work/straight.json")" != "$(strip "$work/resumed.json")" ]; then
  echo "FAIL: results differ"; cat "$work/straight.json" "$work/resumed.json"; exit 1
fi
nosec() { sed -E 's/"seconds":[0-9.e+-]+,//' "$1"; }
if ! diff <(nosec "$work/straight/metrics.jsonl") <(nosec "$work/moved/metrics.jsonl") > /dev/null; then
  echo "FAIL: metrics.jsonl differs"; exit 1
fi
echo "ok: interrupted, resumed, identical: $(cat "$work/resumed.json")"
