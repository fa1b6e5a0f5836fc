#!/usr/bin/env python3
"""Projects the wall time of SeqGAN's `paper` protocol on this machine from measured pieces:
the MLE pre-training phase of a real `paper` run (`seqrl seqgan --protocol paper --mode mle
--mle-extra-epochs 0`, i.e. `seqrl train --agent mle` for the paper's 120 epochs), and
the discriminator training rate and rollout-reward time at the paper's sizes from
bench/compare_text.sh. Also projects the peer (PyTorch) from its own figures in the same file.

usage: bench/project_paper.py [TEXT_JSON=bench/results/text_vs_peers.json] [MLE_SUMMARY=runs/oracle_paper_mle_s1/summary.json]
"""
import json
import sys

text = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "bench/results/text_vs_peers.json"))
mle = json.load(open(sys.argv[2] if len(sys.argv) > 2 else "runs/oracle_paper_mle_s1/summary.json"))
# SeqGAN's paper protocol (agents/src/seqgan/seqgan_trainer.cpp, seqgan_protocol("paper"); SeqGAN's code)
cfg = {"pretrain_d_rounds": 50, "total_batches": 200, "d_steps": 5, "d_epochs": 3}
mle_dir = (sys.argv[2] if len(sys.argv) > 2 else "runs/oracle_paper_mle_s1/summary.json").rsplit("/", 1)[0]
# the MLE agent fits all its epochs at once and then logs its figures: that line's time is the fit's
fit_line = [json.loads(l) for l in open(f"{mle_dir}/metrics.jsonl") if '"train_nll"' in l][0]
f = text["figures"]
N = 10000                                   # real sequences; negatives as many (SeqGAN: 10,000)
d_round = 2 * N * cfg["d_epochs"]          # sequence updates per discriminator round
rounds = cfg["pretrain_d_rounds"] + cfg["total_batches"] * cfg["d_steps"]
assert mle["config"]["agent_config"]["epochs"] == 120, "expected the paper protocol's 120 MLE epochs"
out = {"pretrain_g_s (measured)": fit_line["seconds"]}
for who, train, rollout in [("ours", f["disc_train_seqs_per_s"]["ours"], f["rollout_s_per_batch"]["ours"]),
                            ("peer", f["disc_train_seqs_per_s"]["peer_best"], f["rollout_s_per_batch"]["peer_best"])]:
    d = rounds * d_round / train
    g = cfg["total_batches"] * rollout
    pre = out["pretrain_g_s (measured)"] if who == "ours" else 0.0  # the peer's MLE is not in the file
    # one adversarial batch: a g-step (its rollout reward) and d_steps d-steps of d_epochs passes
    # over 10,000 real + 10,000 fresh negatives (sampling the negatives not included)
    batch = rollout + cfg["d_steps"] * d_round / train
    out[who] = {"discriminator_s": round(d), "g_steps_rollouts_s": round(g),
                "adversarial_batch_s (projected)": round(batch, 1),
                ("total_h" if who == "ours" else "total_without_mle_pretraining_h"): round((pre + d + g) / 3600, 1)}
out["discriminator_rounds"] = rounds
out["sequence_updates_per_round"] = d_round
print(json.dumps(out, indent=1))
