#!/usr/bin/env bash
# The collapse remedies one at a time: the non-saturating GAN on grid25 (10,000 G updates) with
# none, each remedy alone, and all together, over seeds; modes covered and high-quality share as
# in bench/gan_modes.sh. Writes bench/results/gan_remedies.json and prints a markdown table.
# usage: bash bench/gan_remedies.sh [SEEDS="1 2 3"] [OUT=runs/gan_remedies]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seeds=${1:-1 2 3}
out=${2:-$root/runs/gan_remedies}
bin=${SEQRL_BIN:-$root/build/seqrl}
[ -x "$bin" ] || bash "$root/cmake/setup.sh" "$root/build" > /dev/null
declare -A opts=(
  [none]=""
  [pretrain]="--pretrain-d 200"
  [dsteps2]="--d-steps 2"
  [dropout]="--d-dropout 0.2"
  [l2]="--d-l2 1e-4"
  [r1]="--grad-penalty 0.1"
  [all]="--pretrain-d 200 --d-steps 2 --d-dropout 0.2 --d-l2 1e-4 --grad-penalty 0.1"
)
names="none pretrain dsteps2 dropout l2 r1 all"
for n in $names; do
  for s in $seeds; do
    d=$out/${n}_s$s
    [ -f "$d/summary.json" ] && continue
    echo "$n seed $s" >&2
    # shellcheck disable=SC2086
    "$bin" fit gan --data grid25 --g-loss nonsaturating --seed "$s" --steps 10000 --eval-every 0 \
      ${opts[$n]} --overwrite --out "$d" > /dev/null 2>&1
  done
done
/usr/bin/python3 - "$out" "$root/bench/results/gan_remedies.json" "$names" $seeds <<'PY'
import json, statistics, sys
out, dest, names, seeds = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4:]
rows = []
print("| remedy | modes covered of 25 (per seed) | high-quality share (per seed) | median s |")
print("|---|---|---|---|")
for n in names:
    rs = [json.load(open(f"{out}/{n}_s{s}/summary.json")) for s in seeds]
    modes = [r["final"]["modes_covered"] for r in rs]
    hq = [r["final"]["high_quality"] for r in rs]
    secs = statistics.median(r["wall_seconds"] for r in rs)
    rows.append({"remedy": n, "seeds": [int(s) for s in seeds], "modes_covered": modes, "high_quality": hq,
                 "median_seconds": secs, "config": rs[0]["config"]})
    print(f"| {n} | {statistics.mean(modes):.1f} ({', '.join(map(str, modes))}) | "
          f"{statistics.mean(hq):.3f} ({', '.join(f'{x:.3f}' for x in hq)}) | {secs:.0f} |")
json.dump({"bench": "gan_remedies", "data": "grid25", "g_loss": "nonsaturating", "rows": rows}, open(dest, "w"), indent=1)
PY
