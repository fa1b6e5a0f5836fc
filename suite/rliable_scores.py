#!/usr/bin/env python3
"""A suite's final scores in the layout rliable takes (numpy only).

usage: python3 suite/rliable_scores.py SUITE_DIR     (seqrl suite's report.py calls it too)

Writes SUITE_DIR/scores.npz: one array per agent, [runs, tasks], the normalised final scores
((return - random) / (threshold - random), as results.json's stats) of the envs that have a reward
threshold, runs in seed order; and SUITE_DIR/scores.json: the tasks' order, the seeds, and the
agents left out (an agent enters only with the same seeds on every task, as rliable's arrays need).
Then, with rliable installed:
    import numpy as np; from rliable import library as rly, metrics
    scores = dict(np.load("SUITE_DIR/scores.npz"))
    iqm = lambda s: np.array([metrics.aggregate_iqm(s)])
    points, intervals = rly.get_interval_estimates(scores, iqm, reps=2000)
"""
import json
import os
import sys

import numpy as np


def export(d):
    res = json.load(open(os.path.join(d, "results.json")))

    def task(e):
        opts = e.get("env_options") or {}
        return e["env"] + ("" if not opts else " " + json.dumps(opts, sort_keys=True, separators=(",", ":")))

    base = {}  # task -> (random, threshold)
    for s in res["stats"]:
        if "threshold" in s and "random_return" in s:
            base[task(s)] = (s["random_return"], s["threshold"])
    tasks = sorted(base)
    per = {}  # agent -> task -> {seed: score}
    for r in res["rows"]:
        t = task(r)
        if t in base:
            rnd, thr = base[t]
            per.setdefault(r.get("label", r["agent"]), {}).setdefault(t, {})[r["seed"]] = (r["return"] - rnd) / (thr - rnd)
    arrays, left_out, seeds_of = {}, {}, {}
    for agent, by_task in sorted(per.items()):
        if set(by_task) != set(tasks):
            left_out[agent] = "not run on every task (%d of %d)" % (len(by_task), len(tasks))
            continue
        seeds = sorted(next(iter(by_task.values())))
        if any(sorted(v) != seeds for v in by_task.values()):
            left_out[agent] = "not the same seeds on every task"
            continue
        arrays[agent] = np.array([[by_task[t][s] for t in tasks] for s in seeds], dtype=np.float64)
        seeds_of[agent] = seeds
    if arrays:
        np.savez(os.path.join(d, "scores.npz"), **arrays)
    with open(os.path.join(d, "scores.json"), "w") as f:
        json.dump({"tasks": tasks, "seeds": seeds_of, "left_out": left_out,
                   "score": "normalised final return: (return - random) / (threshold - random)"}, f, indent=1)
    return arrays, tasks


if __name__ == "__main__":
    arrays, tasks = export(sys.argv[1])
    print("scores.npz: %d agents x %d tasks" % (len(arrays), len(tasks)), file=sys.stderr)
