#!/usr/bin/env bash
# A full disk and a folder that turns read-only under a running `seqrl train`: the run must stop
# with an error naming the file and the cause and a non-zero exit, its last checkpoint must be the
# one written before (byte for byte, and it loads), and once there is room again, --resume must
# end exactly as the run that never hit the wall. Uses a 4 MB tmpfs (needs mount rights; without
# them the disk-full half runs under `ulimit -f` instead and the read-only half is skipped).
# usage: disk_full.sh SEQRL_BINARY WORKDIR
set -u
seqrl=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
args=(train --agent dqn --env CartPole-v1 --seed 4 --steps 60000 --stop-at-threshold 0 --eval-every 0
      --final-eval-episodes 5 --hidden 32 --buffer-size 5000 --learning-starts 500 --train-frequency 16
      --gradient-steps 2)
strip() { sed -E 's/"(wall_)?seconds":[0-9.e+-]+,?//g' "$1"; }
"$seqrl" "${args[@]}" --out "$work/straight" > "$work/straight.json" 2> /dev/null || { echo "FAIL: the plain run"; exit 1; }
mnt=$work/mnt
mkdir -p "$mnt"
can_mount=0
[ "${SEQRL_NO_MOUNT:-0}" = 1 ] || { mount -t tmpfs -o size=4m tmpfs "$mnt" 2> /dev/null && can_mount=1; }
cleanup() { [ "$can_mount" -eq 1 ] && umount "$mnt" 2> /dev/null; }
trap cleanup EXIT

# run until the first checkpoint exists, then break the folder with $1 (a command), then check
hit_the_wall() {
  local what=$1 how=$2 out=$3
  "$seqrl" "${args[@]}" --checkpoint-every 200 --out "$out" > "$work/$what.json" 2> "$work/$what.err" &
  local pid=$!
  for _ in $(seq 500); do [ -f "$out/checkpoint.safetensors" ] && break; sleep 0.01; done
  [ -f "$out/checkpoint.safetensors" ] || { echo "FAIL ($what): no first checkpoint"; kill -9 $pid; exit 1; }
  eval "$how"
  sleep 0.3  # writes in flight when the wall came up have failed or finished by now
  cp "$out/checkpoint.safetensors" "$work/$what.last_good"
  wait $pid
  local rc=$?
  [ "$rc" -ne 0 ] || { echo "FAIL ($what): the run finished (exit 0) though its folder could not be written"; exit 1; }
  grep -q "$out/" "$work/$what.err" || { echo "FAIL ($what): the error does not name the file:"; cat "$work/$what.err"; exit 1; }
  cmp -s "$out/checkpoint.safetensors" "$work/$what.last_good" ||
    { echo "FAIL ($what): the last checkpoint changed after the failure"; exit 1; }
  echo "  $what: exit $rc: $(head -c 240 "$work/$what.err")"
}

if [ "$can_mount" -eq 1 ]; then
  hit_the_wall disk_full 'dd if=/dev/zero of="$mnt/filler" bs=64k 2> /dev/null' "$mnt/run"
  grep -q "No space left on device" "$work/disk_full.err" || { echo "FAIL: the error does not say the disk is full"; exit 1; }
  # room again: resume ends as the plain run
  rm -f "$mnt/filler"
  "$seqrl" train --resume "$mnt/run/checkpoint.safetensors" > "$work/resumed.json" 2> "$work/resumed.err" ||
    { echo "FAIL: resume after the disk-full stop"; cat "$work/resumed.err"; exit 1; }
  [ "$(strip "$work/straight.json")" = "$(strip "$work/resumed.json")" ] ||
    { echo "FAIL: the resumed run differs"; cat "$work/straight.json" "$work/resumed.json"; exit 1; }
  echo "  disk full: resumed once there was room, identical to the plain run"
  # a read-only folder: a fresh run into it, and the resume of a run stopped in it, fail cleanly
  rm -rf "$mnt/run"
  "$seqrl" train --agent dqn --seed 4 --steps 2000 --hidden 32 --buffer-size 5000 --final-eval-episodes 1 \
    --checkpoint-every 200 --out "$mnt/run" > /dev/null 2>&1 ||
    { echo "FAIL: a short run on the tmpfs"; exit 1; }
  cp "$mnt/run/checkpoint.safetensors" "$work/ro.last_good"
  mount -o remount,ro "$mnt" || { echo "FAIL: remount read-only"; exit 1; }
  "$seqrl" "${args[@]}" --out "$mnt/fresh" > /dev/null 2> "$work/ro_fresh.err"
  rc=$?
  [ "$rc" -ne 0 ] && grep -q "$mnt/fresh" "$work/ro_fresh.err" && grep -q "Read-only file system" "$work/ro_fresh.err" ||
    { echo "FAIL: a run into a read-only folder (exit $rc):"; cat "$work/ro_fresh.err"; exit 1; }
  echo "  read-only, fresh run: exit $rc: $(head -c 200 "$work/ro_fresh.err")"
  "$seqrl" train --resume "$mnt/run/checkpoint.safetensors" > /dev/null 2> "$work/ro_resume.err"
  rc=$?
  [ "$rc" -ne 0 ] && grep -q "$mnt/run" "$work/ro_resume.err" && grep -q "Read-only file system" "$work/ro_resume.err" ||
    { echo "FAIL: a resume in a read-only folder (exit $rc):"; cat "$work/ro_resume.err"; exit 1; }
  cmp -s "$mnt/run/checkpoint.safetensors" "$work/ro.last_good" || { echo "FAIL: the checkpoint changed"; exit 1; }
  echo "  read-only, resume: exit $rc: $(head -c 200 "$work/ro_resume.err")"
else
  echo "  (no mount rights: the disk-full half runs under ulimit -f; the read-only half is skipped)"
  out=$work/limited
  ( trap '' XFSZ; ulimit -f 300; exec "$seqrl" "${args[@]}" --checkpoint-every 200 --out "$out" ) \
    > "$work/limited.json" 2> "$work/limited.err"
  rc=$?
  [ "$rc" -ne 0 ] || { echo "FAIL: the run finished under the file-size limit"; exit 1; }
  grep -q "$out/" "$work/limited.err" || { echo "FAIL: the error does not name the file"; cat "$work/limited.err"; exit 1; }
  "$seqrl" eval --checkpoint "$out/checkpoint.safetensors" --episodes 1 > /dev/null ||
    { echo "FAIL: the last checkpoint does not load"; exit 1; }
  echo "  file-size limit: exit $rc: $(head -c 240 "$work/limited.err")"
fi
echo "ok"
