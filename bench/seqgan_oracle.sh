#!/usr/bin/env bash
# SeqGAN vs its MLE baseline on SeqGAN's own oracle (../shared/data/seqgan_oracle), over seeds,
# with the fast (default) or paper protocol; then a table of NLL-oracle and phase wall times.
# Runs whose summary.json exists are kept (rerun by deleting the folder).
# usage: bash bench/seqgan_oracle.sh [PROTOCOL=fast] [SEEDS="1 2 3"] [OUT=runs/seqgan_oracle]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
protocol=${1:-fast}
seeds=${2:-1 2 3}
out=${3:-$root/runs/seqgan_oracle}
oracle=${SEQRL_SHARED:-$root/../shared}/data/seqgan_oracle
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
rows = {}
for mode in ("mle", "seqgan"):
    rs = [json.load(open(f"{out}/{protocol}_{mode}_s{s}/summary.json")) for s in seeds]
    rows[mode] = rs
    finals = [r["nll_oracle_final"] for r in rs]
    pre = [r["nll_oracle_after_pretrain"] for r in rs]
    phases = {k: statistics.median(r["phase_seconds"][k] for r in rs) for k in rs[0]["phase_seconds"]}
    tests = [r["nll_test_final"] for r in rs]
    print(f"{mode:7s} NLL-oracle after pre-training {statistics.mean(pre):.3f}, final "
          f"{statistics.mean(finals):.3f} (seeds: {', '.join(f'{x:.3f}' for x in finals)}; "
          f"spread {max(finals) - min(finals):.3f}); NLL-test final {statistics.mean(tests):.3f}; "
          f"median phase seconds {json.dumps({k: round(v, 1) for k, v in phases.items()})}")
m = [r["nll_oracle_final"] for r in rows["mle"]]
g = [r["nll_oracle_final"] for r in rows["seqgan"]]
gap = statistics.mean(m) - statistics.mean(g)
spread = max(max(m) - min(m), max(g) - min(g))
print(f"SeqGAN below MLE by {gap:.3f}; largest spread over seeds {spread:.3f}: "
      f"{'more' if gap > spread else 'NOT more'} than the spread")
PY
