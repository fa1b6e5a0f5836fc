#!/usr/bin/env bash
# PPO's whole training loop on CartPole-v1 (rollouts on 8 envs and the updates, rl-zoo's
# hyperparameters) next to bench/peers/torch_ppo_cartpole.py (CleanRL's ppo.py algorithm on CPU
# with a vectorised NumPy CartPole), both pinned to cores 0,1, alternating ROUNDS times in one
# run. The peer runs with 1 and with 2 PyTorch threads and the faster is compared. Env steps per
# second, medians over rounds; the ratio is ours over the peer's.
# usage: bash bench/compare_ppo.sh [ROUNDS=3] [STEPS=51200] [OUT=bench/results/ppo_vs_peer.json]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-3} steps=${2:-51200}
out=${3:-$root/bench/results/ppo_vs_peer.json}
source "$root/bench/peers_setup.sh"
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: seqrl" >&2
  taskset -c 0,1 "$root/build/seqrl" train --agent ppo --env CartPole-v1 --steps "$steps" --seed "$r" \
    --eval-every 0 --final-eval-episodes 10 --out "$tmp/ours_$r" > "$tmp/ours_$r.json"
  for th in 1 2; do
    echo "round $r/$rounds: torch, $th thread(s)" >&2
    OMP_NUM_THREADS=$th taskset -c 0,1 /usr/bin/python3 "$root/bench/peers/torch_ppo_cartpole.py" \
      --repeats 1 --threads "$th" --steps "$steps" > "$tmp/peer_${r}_$th.json"
  done
done
mkdir -p "$(dirname "$out")"
/usr/bin/python3 - "$tmp" "$rounds" "$steps" "$out" <<'PY'
import json, os, statistics, sys
tmp, rounds, steps, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
med = statistics.median
ours, peer, peer_threads, ours_ret, peer_ret = [], [], [], [], []
for r in range(1, rounds + 1):
    o = json.load(open(f"{tmp}/ours_{r}.json"))
    ours.append(o["steps"] / o["wall_seconds"])
    ours_ret.append(o["final_eval_return_mean"])
    best = max((json.load(open(f"{tmp}/peer_{r}_{th}.json"))["runs"][0] | {"threads": th} for th in (1, 2)),
               key=lambda x: x["steps_per_s"])
    peer.append(best["steps_per_s"])
    peer_threads.append(best["threads"])
    peer_ret.append(best["greedy_return"])
s = {"what": "PPO on CartPole-v1, rl-zoo's hyperparameters, whole training loop, env steps per second",
     "steps": steps, "rounds": rounds, "cpu": os.popen("grep -m1 'model name' /proc/cpuinfo").read().split(":")[-1].strip(),
     "ours_steps_per_s": med(ours), "peer_steps_per_s": med(peer), "ratio": med(ours) / med(peer),
     "ours_per_round": ours, "peer_per_round": peer, "peer_threads_per_round": peer_threads,
     "ours_final_greedy_return": ours_ret, "peer_final_greedy_return": peer_ret}
json.dump(s, open(out, "w"), indent=1)
print(json.dumps({k: v for k, v in s.items() if not isinstance(v, list)}, indent=1))
PY
