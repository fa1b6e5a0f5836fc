#!/usr/bin/env python3
"""The text suite's COCO tables from finished suite folders (results.json of `seqrl suite`): per
agent and seed, BLEU-2, BLEU-5, Self-BLEU-5 and NLL-test at temperature 1, and BLEU-5 at matched
diversity: interpolated linearly on each run's BLEU-5 / Self-BLEU-5 curve (the temperature sweep)
at the given Self-BLEU-5 levels ("-" where the sweep does not reach a level). Then per agent the
mean over seeds with the seeds' min and max, and the seed count.
usage: bench/coco_table.py [--levels 0.35,0.60] [--label DIR=NAME] SUITE_DIR [SUITE_DIR ...]"""
import argparse
import json
import os
import statistics


def at_level(sweep, level):
    pts = sorted((p["selfbleu5"], p["bleu5"]) for p in sweep)
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if x0 <= level <= x1 and x1 > x0:
            return y0 + (y1 - y0) * (level - x0) / (x1 - x0)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--levels", default="0.35,0.60")
    ap.add_argument("--label", action="append", default=[], help="DIR=NAME: call that folder's agents NAME")
    a = ap.parse_args()
    levels = [float(x) for x in a.levels.split(",")]
    labels = dict(x.split("=", 1) for x in a.label)
    rows = {}
    for d in a.dirs:
        res = json.load(open(os.path.join(d, "results.json")))
        for r in res["rows"]:
            if r.get("env") != "TextCoco-v0" or "text_sweep" not in r:
                continue
            name = labels.get(d.rstrip("/"), r["agent"])
            if "reward_model" in (r.get("env_options") or {}):
                name += " (D's reward)"
            t1 = min(r["text_sweep"], key=lambda p: abs(p["temperature"] - 1.0))
            rows.setdefault(name, []).append({
                "seed": r["seed"], "bleu2": t1["bleu2"], "bleu5": t1["bleu5"], "selfbleu5": t1["selfbleu5"],
                "nll_test": t1["nll_test"], **{f"at{l}": at_level(r["text_sweep"], l) for l in levels}})
    keys = ["bleu2", "bleu5", "selfbleu5", "nll_test"] + [f"at{l}" for l in levels]
    head = ["BLEU-2", "BLEU-5", "Self-BLEU-5", "NLL-test"] + [f"BLEU-5 at Self-BLEU-5 {l:.2f}" for l in levels]
    fmt = lambda k, v: "-" if v is None else (f"{v:.2f}" if k == "nll_test" else f"{v:.3f}")
    print("| agent | seed | " + " | ".join(head) + " |")
    print("|---|---|" + "---|" * len(head))
    for name, runs in rows.items():
        for r in sorted(runs, key=lambda r: r["seed"]):
            print(f"| {name} | {r['seed']} | " + " | ".join(fmt(k, r[k]) for k in keys) + " |")
    print()
    print("| agent | n | " + " | ".join(head) + " |")
    print("|---|---|" + "---|" * len(head))
    for name, runs in rows.items():
        cells = []
        for k in keys:
            v = [r[k] for r in runs if r[k] is not None]
            if not v:
                cells.append("-")
                continue
            m = statistics.mean(v)
            span = f" [{fmt(k, min(v))}, {fmt(k, max(v))}]" if len(v) > 1 else ""
            cells.append(fmt(k, m) + span + ("" if len(v) == len(runs) else f" ({len(v)} seeds)"))
        print(f"| {name} | {len(runs)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
