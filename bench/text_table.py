#!/usr/bin/env python3
"""The oracle tables of issue 12 from finished suite folders: per agent and env, NLL-oracle and
NLL-test at temperature 1 and at the reference's 2/3 (logits x 1.5), mean and spread over seeds,
and every seed's figure. Reads OUT/runs/*/text_metrics.json and summary.json (seqrl suite).
usage: bench/text_table.py SUITE_DIR [SUITE_DIR ...]"""
import glob
import json
import os
import statistics
import sys


def closest(rows, tau):
    return min(rows, key=lambda r: abs(r["temperature"] - tau))


def main(dirs):
    groups = {}
    for d in dirs:
        for run in sorted(glob.glob(os.path.join(d, "runs", "*"))):
            tm, sm = os.path.join(run, "text_metrics.json"), os.path.join(run, "summary.json")
            if not (os.path.exists(tm) and os.path.exists(sm)):
                continue
            s = json.load(open(sm))
            if s.get("interrupted") or s.get("final_eval") is None:
                continue
            opts = s["config"].get("env_options") or {}
            length = opts.get("seq_len", 20)
            key = (s["agent"], length)
            groups.setdefault(key, []).append((s["seed"], json.load(open(tm)), s["wall_seconds"]))
    print("| length | agent | n | NLL-oracle, τ = 1 | NLL-test, τ = 1 | NLL-oracle, τ = 2/3 | NLL-test, τ = 2/3 | wall time per run |")
    print("|---|---|---|---|---|---|---|---|")
    for (agent, length), runs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        cells = []
        for tau in (1.0, 2 / 3):
            for k in ("nll_oracle", "nll_test"):
                v = [closest(tm, tau)[k] for _, tm, _ in runs]
                sd = statistics.stdev(v) if len(v) > 1 else float("nan")
                cells.append(f"{statistics.mean(v):.3f} ± {sd:.3f}" if len(v) > 1 else f"{v[0]:.3f}")
        wall = statistics.median(w for _, _, w in runs)
        print(f"| {length} | {agent} | {len(runs)} | " + " | ".join(cells) + f" | {wall:.0f} s |")
    print()
    print("Per seed (NLL-oracle at τ = 1 / 2/3; NLL-test at τ = 1):")
    for (agent, length), runs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        per = ", ".join(f"seed {s}: {closest(tm, 1.0)['nll_oracle']:.3f} / {closest(tm, 2 / 3)['nll_oracle']:.3f}; "
                        f"{closest(tm, 1.0)['nll_test']:.3f}" for s, tm, _ in sorted(runs, key=lambda r: r[0]))
        print(f"- length {length}, {agent}: {per}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["runs/oracle20"])
