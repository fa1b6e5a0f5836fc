#!/usr/bin/env bash
# DQN on a text task with autoencoder features as observations, against the same agent on raw
# tokens: TextOracle-v0 with a small random oracle (vocabulary 10, 8 tokens, oracle seed 3; the
# reward is the finished sequence's mean log-likelihood under the oracle). A sentence VAE and a
# sentence AE are fitted on 10,000 of the oracle's sequences (seqrl fit), then DQN runs with
#   raw: the token prefix (DQN's LSTM Q-network, as seqrl train picks for token observations),
#   vae / ae: the prefix's code from the fitted model (env option "encoder"; DQN's MLP Q-network),
#   random: uniformly random tokens,
# for each seed; prints the mean evaluation return over seeds at every evaluation (the runner's
# deterministic evaluations) and writes bench/results/text_features.json.
# usage: bash bench/text_features.sh [SEEDS="1 2 3"] [STEPS=20000] [OUT=runs/text_features]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seeds=${1:-1 2 3}
steps=${2:-20000}
out=${3:-$root/runs/text_features}
bin=${SEQRL_BIN:-$root/build/seqrl}
[ -x "$bin" ] || bash "$root/cmake/setup.sh" "$root/build" > /dev/null
task=(--data oracle --oracle random --oracle-vocab 10 --oracle-seq-len 8 --oracle-seed 3)
env_opts='"oracle": "random", "vocab": 10, "seq_len": 8, "oracle_seed": 3'
for kind in vae ae; do
  d=$out/fit_$kind
  [ -f "$d/summary.json" ] || "$bin" fit $kind "${task[@]}" --seed 1 --steps 1500 --eval-every 0 --emb 16 \
    --hidden 64 --latent 8 --kl-anneal 500 --word-dropout 0.2 --overwrite --out "$d" > /dev/null 2>&1
done
for s in $seeds; do
  for obs in raw vae ae random; do
    d=$out/dqn_${obs}_s$s
    [ -f "$d/summary.json" ] && continue
    opts="{$env_opts}"
    agent=dqn
    case $obs in
      vae|ae) opts="{$env_opts, \"encoder\": \"$out/fit_$obs/checkpoint.safetensors\"}" ;;
      random) agent=random ;;
    esac
    "$bin" train --agent $agent --env TextOracle-v0 --env-options "$opts" --steps "$steps" \
      --eval-every $((steps / 10)) --final-eval-episodes 10 --seed "$s" --overwrite --out "$d" > /dev/null 2>&1
  done
done
# the commit, the machine and the date, for the page's generated section
bash "$root/bench/machine.sh" "$bin" "${SEQRL_NUM_THREADS:-all}" |
/usr/bin/python3 -c "$(cat <<'PY'
import json, statistics, sys
out, dest, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
fits = {k: json.load(open(f"{out}/fit_{k}/summary.json"))["final"] for k in ("vae", "ae")}
for k, f in fits.items():
    print(f"{k}: held-out recon {f['recon']:.2f} nats/sequence, KL {f['kl']:.2f}, greedy token accuracy {f['recon_token_accuracy']:.3f}")
curves = {}
for obs in ("raw", "vae", "ae", "random"):
    rs = [json.load(open(f"{out}/dqn_{obs}_s{s}/summary.json")) for s in seeds]
    steps = [p[0] for p in rs[0]["eval_curve"]]
    curves[obs] = {"steps": steps, "per_seed": [[p[1] for p in r["eval_curve"]] for r in rs],
                   "final": [r["final_eval"]["return_mean"] for r in rs], "seconds": [r["wall_seconds"] for r in rs]}
print("| step | " + " | ".join(curves) + " |")
print("|---" * (len(curves) + 1) + "|")
for i, st in enumerate(curves["raw"]["steps"]):
    cells = []
    for obs, c in curves.items():
        cells.append(f"{statistics.mean(v[i] for v in c['per_seed']):.3f}" if i < len(c["per_seed"][0]) else "")
    print(f"| {st} | " + " | ".join(cells) + " |")
for obs, c in curves.items():
    print(f"{obs}: final {statistics.mean(c['final']):.3f} (seeds {', '.join(f'{x:.3f}' for x in c['final'])}), "
          f"median wall {statistics.median(c['seconds']):.1f} s")
machine = json.loads(sys.stdin.read())
json.dump({"bench": "text_features", "fits": fits, "curves": curves, **machine}, open(dest, "w"), indent=1)
PY
)" "$out" "$root/bench/results/text_features.json" $seeds
