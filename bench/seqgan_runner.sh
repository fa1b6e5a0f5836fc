#!/usr/bin/env bash
# SeqGAN under the runner (seqrl train --agent seqgan) on SeqGAN's own oracle, over seeds, next to
# the MLE baseline of bench/seqgan_oracle.sh (same data, same pre-training, 10 more MLE epochs).
# Runs whose summary.json exists are kept (rerun by deleting the folder).
# usage: bash bench/seqgan_runner.sh [PROTOCOL=fast] [SEEDS="1 2 3"] [OUT=runs/seqgan_runner]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
protocol=${1:-fast}
seeds=${2:-1 2 3}
out=${3:-$root/runs/seqgan_runner}
oracle=$(cd "${SEQRL_SHARED:-$root/../shared}/data/seqgan_oracle" && pwd)
[ -x "$root/build/seqrl" ] || bash "$root/cmake/setup.sh" "$root/build" > /dev/null
for s in $seeds; do
  d=$out/${protocol}_seqgan_s$s
  if [ ! -f "$d/summary.json" ]; then
    echo "$protocol seqgan under the runner, seed $s" >&2
    "$root/build/seqrl" train --agent seqgan --protocol "$protocol" --env TextOracle-v0 \
      --env-options "{\"oracle\": \"$oracle\"}" --seed "$s" --out "$d" > /dev/null
  fi
  d=$out/${protocol}_mle_s$s
  if [ ! -f "$d/summary.json" ]; then
    echo "$protocol mle seed $s" >&2
    "$root/build/seqrl" seqgan --protocol "$protocol" --mode mle --seed "$s" --oracle "$oracle" --out "$d" > /dev/null
  fi
done
/usr/bin/python3 - "$out" "$protocol" $seeds <<'PY'
import json, statistics, sys
out, protocol, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
def figures(d):
    rows = [json.loads(l) for l in open(f"{d}/metrics.jsonl")]
    pick = lambda k: [(r["step"], r["seconds"], r[k]) for r in rows if k in r]
    return pick("pretrain_nll_oracle"), pick("nll_oracle"), pick("d_reward"), pick("train_return")
g_final, m_final = [], []
for s in seeds:
    pre, nll, d, ret = figures(f"{out}/{protocol}_seqgan_s{s}")
    summ = json.load(open(f"{out}/{protocol}_seqgan_s{s}/summary.json"))
    mle = json.load(open(f"{out}/{protocol}_mle_s{s}/summary.json"))
    g_final.append(nll[-1][2]); m_final.append(mle["nll_oracle_final"])
    print(f"seed {s}: NLL-oracle after pre-training {pre[0][2]:.3f} (MLE run: {mle['nll_oracle_after_pretrain']:.3f}); "
          f"SeqGAN final {nll[-1][2]:.3f} after {len(d)} g-steps, MLE final {mle['nll_oracle_final']:.3f}; "
          f"pre-training ended at {pre[0][1]:.0f} s, run {summ['wall_seconds']:.0f} s; "
          f"mean env return (oracle log-lik per token) first/last g-step {ret[0][2]:.3f} / {ret[-1][2]:.3f}")
gap = statistics.mean(m_final) - statistics.mean(g_final)
spread = max(max(g_final) - min(g_final), max(m_final) - min(m_final))
print(f"means: SeqGAN {statistics.mean(g_final):.3f}, MLE {statistics.mean(m_final):.3f}; SeqGAN below MLE by "
      f"{gap:.3f}, largest spread over seeds {spread:.3f}: {'more' if gap > spread else 'NOT more'} than the spread")
PY
