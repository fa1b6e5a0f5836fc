#!/usr/bin/env bash
# Ctrl-C and --resume through the real command: a DQN run interrupted by SIGINT (or SIGTERM, as a
# scheduler's time limit sends) part-way, then resumed, must end exactly as the same run without
# the interruption (final evaluation and every metrics line but the wall-clock column), in the
# folder it was moved to before the resume.
# usage: sigint_resume.sh SEQRL_BINARY WORKDIR [SIGNAL=INT]
set -u
seqrl=$1 work=$2 sig=${3:-INT}
rm -rf "$work" && mkdir -p "$work"
args=(train --agent dqn --env CartPole-v1 --seed 2 --steps 30000 --stop-at-threshold 0
      --eval-every 5000 --eval-episodes 3 --final-eval-episodes 20)
"$seqrl" "${args[@]}" --out "$work/straight" > "$work/straight.json" || { echo "FAIL: straight run"; exit 1; }
"$seqrl" "${args[@]}" --out "$work/cut" --checkpoint-every 4000 > /dev/null 2> "$work/cut.err" &
pid=$!
sleep 2
kill -"$sig" "$pid"
wait "$pid"
rc=$?
cat "$work/cut.err"
want=$([ "$sig" = TERM ] && echo "interrupted by SIGTERM" || echo "interrupted by SIGINT")
grep -q "$want" "$work/cut.err" || { echo "FAIL: stderr does not say '$want'"; exit 1; }
[ "$rc" -eq 130 ] || { echo "FAIL: the interrupted run exited $rc, not 130 (did it finish before the signal?)"; exit 1; }
grep -q '"interrupted": true' "$work/cut/summary.json" || { echo "FAIL: summary.json does not say interrupted"; exit 1; }
# a run folder moved (or renamed) goes on where it is now, not where it was started
mv "$work/cut" "$work/moved"
"$seqrl" train --resume "$work/moved/checkpoint.safetensors" > "$work/resumed.json" || { echo "FAIL: resume"; exit 1; }
[ ! -e "$work/cut" ] || { echo "FAIL: the resumed run wrote into the folder it was started in, not the one its checkpoint is in"; exit 1; }
strip() { sed -E 's/"wall_seconds":[0-9.e+-]+//' "$1"; }
if [ "$(strip "$work/straight.json")" != "$(strip "$work/resumed.json")" ]; then
  echo "FAIL: results differ"; cat "$work/straight.json" "$work/resumed.json"; exit 1
fi
if ! diff <(cut -d, -f1,3,4 "$work/straight/metrics.csv") <(cut -d, -f1,3,4 "$work/moved/metrics.csv") > /dev/null; then
  echo "FAIL: metrics.csv differs"; exit 1
fi
echo "ok: interrupted, resumed, identical: $(cat "$work/resumed.json")"
