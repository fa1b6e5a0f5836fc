#!/usr/bin/env bash
# SeqGAN's discriminator and Monte-Carlo rollout reward next to shared/peers/torch_seqgan.py, in
# one run, both pinned to cores 0,1: discriminator training and inference (paper sizes, batch 64)
# and the reward of one batch of 64 with 16 rollouts. The peer runs at its fastest setting (t2b1)
# and every rollout variant; we compare with its best. Medians over ROUNDS rounds.
# usage: bash bench/compare_text.sh [ROUNDS=1] [OUT=bench/results/text_vs_peers.json]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-1}
out=${2:-$root/bench/results/text_vs_peers.json}
source "$root/bench/peers_setup.sh"
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: seqrl" >&2
  OPENBLAS_NUM_THREADS=2 taskset -c 0,1 "$root/build/seqrl" bench --parts disc,rollout --repeats 5 --rollout-repeats 3 > "$tmp/ours_$r.json"
  echo "round $r/$rounds: torch (t2b1)" >&2
  taskset -c 0,1 /usr/bin/python3 "$shared/peers/torch_seqgan.py" --parts disc,rollout --configs t2b1 --repeats 5 --rollout-repeats 1 > "$tmp/peer_$r.json"
done
mkdir -p "$(dirname "$out")"
/usr/bin/python3 - "$tmp" "$rounds" "$out" <<'PY'
import json, statistics, sys
tmp, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = statistics.median
ours = [json.load(open(f"{tmp}/ours_{r}.json")) for r in range(1, rounds + 1)]
peer = [json.load(open(f"{tmp}/peer_{r}.json"))["results"]["t2b1"] for r in range(1, rounds + 1)]
def pm(p, k):
    v = p[k]
    return v["median"] if isinstance(v, dict) else v
s = {"rounds": rounds, "ours_info": ours[0]["info"], "figures": {}}
for name, ok, pkeys, higher in [
        ("disc_train_seqs_per_s", "disc_train_seqs_per_s", ["disc_conv1d_train_seqs_per_s", "disc_conv2d_train_seqs_per_s"], True),
        ("disc_infer_seqs_per_s", "disc_infer_seqs_per_s", ["disc_conv1d_infer_seqs_per_s", "disc_conv2d_infer_seqs_per_s"], True),
        ("rollout_s_per_batch", "rollout_s_per_batch", [k for k in peer[0] if k.startswith("rollout_") and k.endswith("_s_per_batch")], False)]:
    o = med(x[ok]["median"] for x in ours)
    per_variant = {k: med(pm(p, k) for p in peer) for k in pkeys if k in peer[0]}
    best_k = (max if higher else min)(per_variant, key=per_variant.get)
    b = per_variant[best_k]
    s["figures"][name] = {"ours": o, "peer_best": b, "peer_best_variant": best_k,
                          "peer_variants": per_variant, "ratio": (o / b) if higher else (b / o)}
json.dump(s, open(out, "w"), indent=1)
print(json.dumps({k: {kk: (round(vv, 3) if isinstance(vv, float) else vv) for kk, vv in v.items() if kk != "peer_variants"}
                  for k, v in s["figures"].items()}, indent=1))
PY
