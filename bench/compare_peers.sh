#!/usr/bin/env bash
# seqrl's nets benchmark next to its peers, in one run on this machine: PyTorch's SeqGAN generator
# (shared/peers/torch_seqgan.py, at its fastest setting t2b1 = torch 2 threads + OpenBLAS 1) and
# raw cblas_sgemm (shared/peers/sgemm_peak.sh). Ours and the peer alternate ROUNDS times, both
# pinned to cores 0,1; the summary quotes the median over rounds of each side's median rate.
# usage: bash bench/compare_peers.sh [ROUNDS=3] [OUT=bench/results/nets_vs_peers.json]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-3}
out=${2:-$root/bench/results/nets_vs_peers.json}
source "$root/bench/peers_setup.sh"
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: seqrl" >&2
  OPENBLAS_NUM_THREADS=2 taskset -c 0,1 "$root/build/seqrl" bench --parts matmul,mle,sample > "$tmp/ours_$r.json"
  echo "round $r/$rounds: torch (t2b1)" >&2
  /usr/bin/python3 "$shared/peers/torch_seqgan.py" --parts mle,sample --configs t2b1 > "$tmp/peer_$r.json"
done
echo "sgemm ceiling" >&2
sh "$shared/peers/sgemm_peak.sh" 5 > "$tmp/sgemm.json"
mkdir -p "$(dirname "$out")"
/usr/bin/python3 - "$tmp" "$rounds" "$out" <<'PY'
import json, statistics, sys
tmp, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ours = [json.load(open(f"{tmp}/ours_{r}.json")) for r in range(1, rounds + 1)]
peer = [json.load(open(f"{tmp}/peer_{r}.json"))["results"]["t2b1"] for r in range(1, rounds + 1)]
sg = json.load(open(f"{tmp}/sgemm.json"))
med = statistics.median
# FLOP of the work (2*m*n*k per GEMM): MLE per token = output layer fwd + 2 bwd GEMMs (3 x 2x32x5000)
# + LSTM (x W_ih and h W_hh, fwd + 2 bwd: 3 x 2 x 64 x 128); sampling per sequence = 20 steps x
# (2x32x5000 + 2x64x128).
mle_flop = 3 * 2 * 32 * 5000 + 3 * 2 * 64 * 128
smp_flop = 20 * (2 * 32 * 5000 + 2 * 64 * 128)
s = {
  "rounds": rounds,
  "ours_info": ours[0]["info"], "peer_info": peer[0]["info"],
  "mle_tokens_per_s": {"ours": med(o["mle_tokens_per_s"]["median"] for o in ours),
                       "peer_t2b1": med(p["mle_tokens_per_s"]["median"] for p in peer)},
  "sample_seqs_per_s": {"ours": med(o["sample_seqs_per_s"]["median"] for o in ours),
                        "peer_invcdf_t2b1": med(p["sample_invcdf_seqs_per_s"]["median"] for p in peer),
                        "peer_multinomial_t2b1": med(p["sample_multinomial_seqs_per_s"]["median"] for p in peer)},
  "per_round": {"ours_mle": [o["mle_tokens_per_s"]["median"] for o in ours],
                "peer_mle": [p["mle_tokens_per_s"]["median"] for p in peer],
                "ours_sample": [o["sample_seqs_per_s"]["median"] for o in ours],
                "peer_sample_invcdf": [p["sample_invcdf_seqs_per_s"]["median"] for p in peer]},
  "matmul_ours_vs_cblas": {k: {"ours_gflops": med(o["matmul"][k]["ours_gflops"]["median"] for o in ours),
                               "cblas_gflops": med(o["matmul"][k]["cblas_sgemm_gflops"]["median"] for o in ours)}
                           for k in ours[0]["matmul"]},
  "sgemm_peak_threads2": sg["threads2"]["gflops"],
}
m, p = s["mle_tokens_per_s"]["ours"], s["mle_tokens_per_s"]["peer_t2b1"]
sm, sp = s["sample_seqs_per_s"]["ours"], max(s["sample_seqs_per_s"]["peer_invcdf_t2b1"], s["sample_seqs_per_s"]["peer_multinomial_t2b1"])
ceil_big = sg["threads2"]["gflops"]["1280x32*32x5000"]["median"]
ceil_small = sg["threads2"]["gflops"]["64x32*32x5000"]["median"]
s["ratios"] = {"mle_ours_over_peer": m / p, "sample_ours_over_peer_faster_sampler": sm / sp}
s["ceiling"] = {
  "mle_ours_gflops": m * mle_flop / 1e9, "mle_peer_gflops": p * mle_flop / 1e9,
  "sgemm_1280x32x5000_gflops": ceil_big,
  "mle_tokens_per_s_at_sgemm_ceiling": ceil_big * 1e9 / mle_flop,
  "mle_share_of_ceiling": m * mle_flop / 1e9 / ceil_big,
  "sample_ours_gflops": sm * smp_flop / 1e9, "sgemm_64x32x5000_gflops": ceil_small,
  "sample_seqs_per_s_at_sgemm_ceiling": ceil_small * 1e9 / smp_flop,
  "sample_share_of_ceiling": sm * smp_flop / 1e9 / ceil_small,
}
json.dump(s, open(out, "w"), indent=1)
print(json.dumps({"mle_tokens_per_s": s["mle_tokens_per_s"], "sample_seqs_per_s": s["sample_seqs_per_s"],
                  "ratios": s["ratios"], "ceiling": s["ceiling"]}, indent=1))
PY
