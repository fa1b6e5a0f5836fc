#!/usr/bin/env bash
# SeqGAN against its MLE baseline on SeqGAN's own oracle (../shared/data/seqgan_oracle), over
# seeds, with the fast (default) or paper protocol: both through `seqrl train` (SeqGAN under the
# runner; the baseline is `seqrl train --agent mle` with the protocol's pre-training epochs plus
# 10, at its settings: what `seqrl seqgan --mode mle` runs). Then a table of NLL-oracle, NLL-test
# and wall times read from each run's metrics.jsonl. Runs whose summary.json exists are kept
# (rerun by deleting the folder).
# usage: bash bench/seqgan_oracle.sh [PROTOCOL=fast] [SEEDS="1 2 3"] [OUT=runs/seqgan_oracle]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
protocol=${1:-fast}
seeds=${2:-1 2 3}
out=${3:-$root/runs/seqgan_oracle}
oracle=$(cd "${SEQRL_SHARED:-$root/../shared}/data/seqgan_oracle" && pwd)
[ -x "$root/build/seqrl" ] || bash "$root/cmake/setup.sh" "$root/build" > /dev/null
for s in $seeds; do
  for mode in seqgan mle; do
    d=$out/${protocol}_${mode}_s$s
    [ -f "$d/summary.json" ] && continue
    echo "$protocol $mode seed $s" >&2
    "$root/build/seqrl" seqgan --protocol "$protocol" --mode "$mode" --seed "$s" --oracle "$oracle" --out "$d" > /dev/null
  done
done
/usr/bin/python3 - "$out" "$protocol" $seeds <<'PY'
import json, statistics, sys
out, protocol, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
def rows(d):
    return [json.loads(l) for l in open(f"{d}/metrics.jsonl")]
def last(rs, key):
    hit = [r for r in rs if key in r]
    return hit[-1] if hit else None
finals = {}
for mode in ("mle", "seqgan"):
    fin, pre, tests, walls, pre_s = [], [], [], [], []
    for s in seeds:
        d = f"{out}/{protocol}_{mode}_s{s}"
        rs, summ = rows(d), json.load(open(f"{d}/summary.json"))
        fin.append(last(rs, "nll_oracle")["nll_oracle"])
        walls.append(summ["wall_seconds"])
        t = last(rs, "nll_test")
        if t: tests.append(t["nll_test"])
        p = last(rs, "pretrain_nll_oracle")
        if p: pre.append(p["pretrain_nll_oracle"]); pre_s.append(p["seconds"])
    finals[mode] = fin
    extra = (f"NLL-oracle after pre-training {statistics.mean(pre):.3f} (pre-training took {statistics.median(pre_s):.0f} s), "
             if pre else "")
    print(f"{mode:7s} {extra}final NLL-oracle {statistics.mean(fin):.3f} (seeds: {', '.join(f'{x:.3f}' for x in fin)}; "
          f"spread {max(fin) - min(fin):.3f})" + (f"; NLL-test {statistics.mean(tests):.3f}" if tests else "") +
          f"; median wall time {statistics.median(walls):.0f} s")
m, g = finals["mle"], finals["seqgan"]
gap = statistics.mean(m) - statistics.mean(g)
spread = max(max(m) - min(m), max(g) - min(g))
print(f"SeqGAN below MLE by {gap:.3f}; largest spread over seeds {spread:.3f}: "
      f"{'more' if gap > spread else 'NOT more'} than the spread")
PY
