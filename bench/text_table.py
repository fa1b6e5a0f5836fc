#!/usr/bin/env python3
"""The oracle tables from finished suite folders. Reads OUT/runs/*/text_metrics.json and
summary.json (seqrl suite). Runs rewarded by a model (env option reward_model) are their own group,
labelled "AGENT on D".

Default (issue 12's table): per agent and sequence length, NLL-oracle and NLL-test at temperature 1
and at the reference's 2/3 (logits x 1.5), mean and spread over seeds, and every seed's figure.

--sweep (the text suite's oracle part): the mean over seeds of NLL-oracle and NLL-test at every
temperature of the sweep; each seed's figures at temperature 1; and NLL-oracle at matched
coverage: interpolated linearly on each run's curve at the given NLL-test levels, on its cold side
(temperatures from the coldest up; "-" where the curve does not reach a level).
usage: bench/text_table.py [--sweep [--levels 6.7,6.9,7.1]] SUITE_DIR [SUITE_DIR ...]"""
import argparse
import glob
import json
import os
import statistics


def closest(rows, tau):
    return min(rows, key=lambda r: abs(r["temperature"] - tau))


def load(dirs):
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
            agent = s["agent"] + (" on D" if "reward_model" in opts else "")
            key = (agent, opts.get("seq_len", 20))
            groups.setdefault(key, []).append((s["seed"], json.load(open(tm)), s["wall_seconds"]))
    return sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0]))


def reference_table(groups):
    print("| length | agent | n | NLL-oracle, τ = 1 | NLL-test, τ = 1 | NLL-oracle, τ = 2/3 | NLL-test, τ = 2/3 | wall time per run |")
    print("|---|---|---|---|---|---|---|---|")
    for (agent, length), runs in groups:
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
    for (agent, length), runs in groups:
        per = ", ".join(f"seed {s}: {closest(tm, 1.0)['nll_oracle']:.3f} / {closest(tm, 2 / 3)['nll_oracle']:.3f}; "
                        f"{closest(tm, 1.0)['nll_test']:.3f}" for s, tm, _ in sorted(runs, key=lambda r: r[0]))
        print(f"- length {length}, {agent}: {per}")


def at_coverage(sweep, level):
    """NLL-oracle where the curve, walked from the coldest temperature up, first crosses NLL-test = level."""
    pts = sorted(sweep, key=lambda r: r["temperature"])
    for a, b in zip(pts, pts[1:]):
        lo, hi = sorted((a["nll_test"], b["nll_test"]))
        if lo <= level <= hi and hi > lo:
            f = (level - a["nll_test"]) / (b["nll_test"] - a["nll_test"])
            return a["nll_oracle"] + f * (b["nll_oracle"] - a["nll_oracle"])
    return None


def sweep_tables(groups, levels):
    temps = sorted({r["temperature"] for _, runs in groups for _, tm, _ in runs for r in tm})
    names = [f"{agent} (n = {len(runs)})" for (agent, _), runs in groups]
    print("| temperature | " + " | ".join(f"{n} NLL-oracle | {n} NLL-test" for n in names) + " |")
    print("|---|" + "---|---|" * len(names))
    for t in temps:
        cells = []
        for _, runs in groups:
            for k in ("nll_oracle", "nll_test"):
                v = [r[k] for _, tm, _ in runs for r in tm if abs(r["temperature"] - t) < 1e-9]
                cells.append(f"{statistics.mean(v):.3f}" if v else "-")
        print(f"| {t:g} | " + " | ".join(cells) + " |")
    print()
    print("Per seed at temperature 1 (NLL-oracle; NLL-test):")
    for (agent, length), runs in groups:
        per = ", ".join(f"seed {s}: {closest(tm, 1.0)['nll_oracle']:.3f}; {closest(tm, 1.0)['nll_test']:.3f}"
                        for s, tm, _ in sorted(runs, key=lambda r: r[0]))
        print(f"- length {length}, {agent}: {per}")
    print()
    print("NLL-oracle at matched NLL-test (each seed's curve, cold side; seeds in order):")
    for level in levels:
        parts = []
        for (agent, _), runs in groups:
            v = [at_coverage(tm, level) for _, tm, _ in sorted(runs, key=lambda r: r[0])]
            parts.append(f"{agent} " + " / ".join("-" if x is None else f"{x:.3f}" for x in v))
        print(f"- NLL-test {level:g}: " + "; ".join(parts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="*", default=["runs/oracle20"])
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--levels", default="6.7,6.9,7.1")
    a = ap.parse_args()
    groups = load(a.dirs)
    if a.sweep:
        sweep_tables(groups, [float(x) for x in a.levels.split(",")])
    else:
        reference_table(groups)


if __name__ == "__main__":
    main()
