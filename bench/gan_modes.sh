#!/usr/bin/env bash
# GAN mode collapse on the 2-D mixtures (ring8, grid25): modes covered and the high-quality
# share (2,500 samples; within 3σ of a mode; a mode counts with >= 20 of them), for the
# saturating and the non-saturating generator loss, without and with the collapse remedies
# (D pre-training, 2 D steps per G step, dropout 0.2 in D, L2 1e-4, R1 penalty 0.1), over seeds.
# Runs whose summary.json exists are kept (rerun by deleting the folder). Writes
# bench/results/gan_modes.json and prints a markdown table.
# usage: bash bench/gan_modes.sh [SEEDS="1 2 3"] [OUT=runs/gan_modes]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seeds=${1:-1 2 3}
out=${2:-$root/runs/gan_modes}
bin=${SEQRL_BIN:-$root/build/seqrl}
[ -x "$bin" ] || bash "$root/cmake/setup.sh" "$root/build" > /dev/null
remedies="--pretrain-d 200 --d-steps 2 --d-dropout 0.2 --d-l2 1e-4 --grad-penalty 0.1"
declare -A steps=([ring8]=5000 [grid25]=10000)
for data in ring8 grid25; do
  for loss in saturating nonsaturating; do
    for rem in plain remedies; do
      for s in $seeds; do
        d=$out/${data}_${loss}_${rem}_s$s
        [ -f "$d/summary.json" ] && continue
        echo "$data $loss $rem seed $s" >&2
        extra=""
        [ "$rem" = remedies ] && extra=$remedies
        # shellcheck disable=SC2086
        "$bin" fit gan --data "$data" --g-loss "$loss" --seed "$s" --steps "${steps[$data]}" \
          --eval-every 0 $extra --overwrite --out "$d" > /dev/null 2>&1
      done
    done
  done
done
/usr/bin/python3 - "$out" "$root/bench/results/gan_modes.json" $seeds <<'PY'
import json, statistics, sys
out, dest, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = []
print("| data | G loss | remedies | modes covered (per seed) | high-quality share (per seed) | median s |")
print("|---|---|---|---|---|---|")
for data in ("ring8", "grid25"):
    for loss in ("saturating", "nonsaturating"):
        for rem in ("plain", "remedies"):
            rs = [json.load(open(f"{out}/{data}_{loss}_{rem}_s{s}/summary.json")) for s in seeds]
            modes = [r["final"]["modes_covered"] for r in rs]
            hq = [r["final"]["high_quality"] for r in rs]
            secs = statistics.median(r["wall_seconds"] for r in rs)
            total = rs[0]["final"]["modes"]
            rows.append({"data": data, "g_loss": loss, "remedies": rem == "remedies", "seeds": [int(s) for s in seeds],
                         "modes_covered": modes, "modes": total, "high_quality": hq, "median_seconds": secs,
                         "steps": rs[0]["steps"], "config": rs[0]["config"]})
            print(f"| {data} | {loss} | {'yes' if rem == 'remedies' else 'no'} | "
                  f"{statistics.mean(modes):.1f} / {total} ({', '.join(map(str, modes))}) | "
                  f"{statistics.mean(hq):.3f} ({', '.join(f'{x:.3f}' for x in hq)}) | {secs:.0f} |")
json.dump({"bench": "gan_modes", "rows": rows}, open(dest, "w"), indent=1)
PY
