#!/usr/bin/env bash
# seqrl's RL benchmark next to shared/peers/torch_dqn_cartpole.py, alternating ROUNDS times in one
# run, both pinned to cores 0,1. The peer runs its t1 and default thread settings and the faster
# of the two is compared. Medians over rounds of each side's median.
# usage: bash bench/compare_rl.sh [ROUNDS=3] [OUT=bench/results/rl_vs_peers.json]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-3}
out=${2:-$root/bench/results/rl_vs_peers.json}
source "$root/bench/peers_setup.sh"
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: seqrl" >&2
  taskset -c 0,1 "$root/build/seqrl" bench --suite rl --repeats 5 > "$tmp/ours_$r.json"
  echo "round $r/$rounds: torch" >&2
  /usr/bin/python3 "$shared/peers/torch_dqn_cartpole.py" --repeats 5 --configs t1,default > "$tmp/peer_$r.json" 2>/dev/null
done
mkdir -p "$(dirname "$out")"
/usr/bin/python3 - "$tmp" "$rounds" "$out" <<'PY'
import json, statistics, sys
tmp, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = statistics.median
ours = [json.load(open(f"{tmp}/ours_{r}.json")) for r in range(1, rounds + 1)]
peer = [json.load(open(f"{tmp}/peer_{r}.json"))["results"] for r in range(1, rounds + 1)]
def best(key):  # the peer's faster setting, per round
    return [max(p[c][key]["median"] for c in p) for p in peer]
keys = {"env_random_steps_per_s": "env_random_steps_per_s",
        "dqn_steps_per_s_ls1000": "dqn_steps_per_s_ls1000",
        "dqn_steps_per_s_ls10000": "dqn_steps_per_s_ls10000",
        "dqn_updates_per_s": "dqn_updates_per_s"}
s = {"rounds": rounds, "ours_info": ours[0]["info"], "figures": {}}
for k, pk in keys.items():
    o = [x[k]["median"] for x in ours]
    p = best(pk)
    s["figures"][k] = {"ours": med(o), "peer_best": med(p), "ratio": med(o) / med(p),
                       "ours_per_round": o, "peer_per_round": p}
for k in ("env_random_steps_per_s_with_timelimit", "vector8_steps_per_s", "vector64_steps_per_s"):
    s["figures"][k] = {"ours": med(x[k]["median"] for x in ours)}
json.dump(s, open(out, "w"), indent=1)
print(json.dumps({k: {kk: round(vv, 2) for kk, vv in v.items() if not isinstance(vv, list)}
                  for k, v in s["figures"].items()}, indent=1))
PY
