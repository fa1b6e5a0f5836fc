#!/usr/bin/env bash
# kill -9 at any moment: a run with frequent checkpoints is killed with SIGKILL at pseudo-random
# moments (KILLS times, each restart resuming from the last checkpoint, so kills land in the
# resumed runs too, and some during checkpoint writes), and after every kill its checkpoint must
# exist and load. Then the run is resumed to its end and must finish exactly as the same run
# without kills (its result line and every metrics line, but the wall-clock fields), and so must
# a resume of its finished checkpoint.
# usage: kill9_resume.sh SEQRL_BINARY WORKDIR train|fit [KILLS=50]
set -u
seqrl=$1 work=$2 mode=$3 kills_wanted=${4:-50}
rm -rf "$work" && mkdir -p "$work"
RANDOM=9  # the kill moments are pseudo-random but the same every time
if [ "$mode" = train ]; then
  args=(train --agent dqn --env CartPole-v1 --seed 3 --steps 400000 --stop-at-threshold 0 --eval-every 100000
        --eval-episodes 2 --final-eval-episodes 5 --hidden 64,64 --buffer-size 20000 --learning-starts 500
        --train-frequency 16 --gradient-steps 4)
  every=(--checkpoint-every 100)
  resume=(train --resume)
  check=(eval --episodes 1 --checkpoint)
else
  args=(fit lm --data oracle --oracle random --oracle-vocab 300 --samples 2000 --seed 3 --steps 2500
        --eval-every 500 --eval-samples 200 --emb 16 --hidden 32)
  every=(--checkpoint-every 5)
  resume=(fit --resume)
  check=()
fi
strip() { sed -E 's/"(wall_)?seconds":[0-9.e+-]+,?//g' "$1"; }
# same_as_straight RESULT_JSON: the killed-and-resumed run ended exactly as the unkilled one
same_as_straight() {
  if [ "$(strip "$work/straight.json")" != "$(strip "$1")" ]; then
    echo "FAIL: results differ"; cat "$work/straight.json" "$1"; exit 1
  fi
  if ! diff <(strip "$work/straight/metrics.jsonl") <(strip "$work/killed/metrics.jsonl") > /dev/null; then
    echo "FAIL: metrics.jsonl differs"; diff <(strip "$work/straight/metrics.jsonl") <(strip "$work/killed/metrics.jsonl") | head; exit 1
  fi
  if ls "$work/killed" | grep -q '\.tmp\.'; then
    echo "FAIL: temporary files of killed writes were left behind: $(ls "$work/killed" | grep '\.tmp\.' | tr '\n' ' ')"; exit 1
  fi
}
start=$(date +%s%N)
"$seqrl" "${args[@]}" --out "$work/straight" > "$work/straight.json" 2> /dev/null || { echo "FAIL: the run without kills"; exit 1; }
straight_s=$(( ($(date +%s%N) - start) / 1000000 ))ms
ckpt=$work/killed/checkpoint.safetensors
kills=0 in_write=0 restarts=0 finished=0 with_ckpt=0 no_ckpt=0
while [ "$kills" -lt "$kills_wanted" ]; do
  if [ -f "$ckpt" ]; then
    "$seqrl" "${resume[@]}" "$ckpt" > "$work/last.json" 2> "$work/last.err" &
  else
    "$seqrl" "${args[@]}" "${every[@]}" --out "$work/killed" > "$work/last.json" 2> "$work/last.err" &
  fi
  pid=$!
  restarts=$((restarts + 1))
  if [ ! -f "$ckpt" ] && [ "$no_ckpt" -ge 3 ]; then
    # a slow machine (a sanitizer build, a loaded CI) may never reach the first checkpoint within
    # the window below: after 3 such kills, wait for it (at most 120 s), then kill as usual
    for _ in $(seq 1200); do [ -f "$ckpt" ] || ! kill -0 "$pid" 2> /dev/null && break; sleep 0.1; done
  fi
  # 20 to 400 ms: before the first checkpoint, mid-run, and (by chance) mid-write
  sleep "0.$(printf '%03d' $((20 + RANDOM % 380)))"
  if ! kill -0 "$pid" 2> /dev/null; then
    wait "$pid"
    rc=$?
    [ "$rc" -eq 0 ] || { echo "FAIL: start $restarts (after $kills kills) exited $rc:"; cat "$work/last.err"; exit 1; }
    # On a fast machine a run can reach its end between kills: check that it ended exactly as the
    # unkilled run, then start a fresh one and go on killing.
    same_as_straight "$work/last.json"
    finished=$((finished + 1))
    rm -rf "$work/killed"
    continue
  fi
  kill -9 "$pid"
  wait "$pid" 2> /dev/null
  kills=$((kills + 1))
  ls "$work/killed" 2> /dev/null | grep -q '\.tmp\.' && in_write=$((in_write + 1))
  if [ -f "$ckpt" ]; then with_ckpt=$((with_ckpt + 1)) no_ckpt=0; else no_ckpt=$((no_ckpt + 1)); fi
  if [ -f "$ckpt" ] && [ ${#check[@]} -gt 0 ]; then
    "$seqrl" "${check[@]}" "$ckpt" > /dev/null 2> "$work/check.err" ||
      { echo "FAIL: after kill $kills the checkpoint does not load:"; cat "$work/check.err"; exit 1; }
  fi
done
[ "$with_ckpt" -gt 0 ] || { echo "FAIL: $kills kills and never a checkpoint"; exit 1; }
if [ -f "$ckpt" ]; then  # (absent only if the last kill came before a fresh run's first checkpoint)
  "$seqrl" "${resume[@]}" "$ckpt" > "$work/resumed.json" 2> "$work/resumed.err"
else
  "$seqrl" "${args[@]}" "${every[@]}" --out "$work/killed" > "$work/resumed.json" 2> "$work/resumed.err"
fi || { echo "FAIL: the final resume"; cat "$work/resumed.err"; exit 1; }
same_as_straight "$work/resumed.json"
# a kill after the final checkpoint but before the process ends leaves a finished run's checkpoint:
# resuming it must give the same result and files again, no evaluation line twice
"$seqrl" "${resume[@]}" "$ckpt" > "$work/again.json" 2> "$work/again.err" ||
  { echo "FAIL: resuming the finished run"; cat "$work/again.err"; exit 1; }
same_as_straight "$work/again.json"
echo "ok: $kills kills ($in_write during a write, $with_ckpt with a checkpoint to resume from), $restarts starts, $finished runs that reached their end between kills (each identical to the unkilled run), then resumed to the end identical to the unkilled run: $(cat "$work/resumed.json")"
