#!/usr/bin/env bash
# LeakGAN at SeqGAN's sizes next to bench/peers/torch_leakgan.py, in one run, both pinned to
# cores 0,1 with 2 threads: sampling 64 sequences with the leak, one adversarial g-step, and the
# leak of all 21 prefixes in D forward passes. Medians over ROUNDS alternating rounds.
# usage: bash bench/compare_leakgan.sh [ROUNDS=1] [OUT=bench/results/leakgan_vs_peer.json]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-1}
out=${2:-$root/bench/results/leakgan_vs_peer.json}
source "$root/bench/peers_setup.sh"
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: seqrl" >&2
  OPENBLAS_NUM_THREADS=2 taskset -c 0,1 "$root/build/seqrl" bench --parts leak --repeats 3 --min-time 0.5 --rollout-repeats 3 > "$tmp/ours_$r.json"
  echo "round $r/$rounds: torch" >&2
  OMP_NUM_THREADS=2 taskset -c 0,1 /usr/bin/python3 "$root/bench/peers/torch_leakgan.py" --repeats 3 --threads 2 > "$tmp/peer_$r.json"
done
mkdir -p "$(dirname "$out")"
/usr/bin/python3 - "$tmp" "$rounds" "$out" <<'PY'
import json, statistics, sys
tmp, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = statistics.median
ours = [json.load(open(f"{tmp}/ours_{r}.json")) for r in range(1, rounds + 1)]
peer = [json.load(open(f"{tmp}/peer_{r}.json")) for r in range(1, rounds + 1)]
s = {"rounds": rounds, "ours_info": ours[0].get("info"), "peer_torch": peer[0]["torch"], "figures": {
    "sample_seqs_per_s": {"ours": med(o["leakgan_sample_seqs_per_s"]["median"] for o in ours),
                          "peer": med(p["sample_seqs_per_s"]["median"] for p in peer)},
    "g_step_s": {"ours": med(o["leakgan_g_step_s"]["median"] for o in ours),
                 "peer": med(p["g_step_s"]["median"] for p in peer)},
    "leak_cost_in_forward_passes": {"ours": med(o["leak_cost_in_forward_passes"] for o in ours),
                                    "peer": med(p["leak_cost_in_forward_passes"] for p in peer)}}}
f = s["figures"]
f["sample_seqs_per_s"]["ratio"] = f["sample_seqs_per_s"]["ours"] / f["sample_seqs_per_s"]["peer"]
f["g_step_s"]["ratio"] = f["g_step_s"]["peer"] / f["g_step_s"]["ours"]
s["per_round"] = {"ours": ours, "peer": peer}
json.dump(s, open(out, "w"), indent=1)
print(json.dumps(f))
PY
