#!/usr/bin/env python3
"""A suite's final scores in the layout rliable takes (numpy only).

usage: python3 suite/rliable_scores.py SUITE_DIR     (seqrl suite's report.py calls it too)

Writes SUITE_DIR/scores.npz: one array per agent, [runs, tasks], the normalised final scores
((return - random) / (threshold - random), as results.json's stats) of the envs that have a reward
threshold, runs in seed order; and SUITE_DIR/scores.json: the tasks' order, the seeds, and the
agents left out (an agent enters only with the same seeds on every task, as rliable's arrays need).
For text generators (runs with a temperature sweep), SUITE_DIR/text_scores.npz: one array per
generator, [runs, tasks], its quality metric at temperature 1 oriented so that higher is better
(-NLL-oracle, else the grammatical share, else BLEU-5: the metric the report's comparison of text
generators uses), with text_scores.json beside it; a generator is its label and, when it was
trained against a reward model, " on " and the model, and a task is the env and its options less
the reward model (the report's names). Then, with rliable installed:
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
    export_text(d, res)
    return arrays, tasks


def generator_name(row):
    """A text generator's name as the suite's text comparison writes it (suite/src/report.cpp): the
    run's label (a stats entry's "agent"), and " on " the reward model it was trained against."""
    who = row.get("label", row["agent"])
    rm = (row.get("env_options") or {}).get("reward_model")
    if not rm:
        return who
    return who + " on " + (rm if isinstance(rm, str) else json.dumps(rm, sort_keys=True, separators=(",", ":")))


def task_name(row):
    """A text task's name as the comparison writes it: the env and its options less the reward model."""
    opts = {k: v for k, v in (row.get("env_options") or {}).items() if k != "reward_model"}
    return row["env"] + ("" if not opts else " " + json.dumps(opts, sort_keys=True, separators=(",", ":")))


# the quality metrics in the order the report's text comparison takes the first every run has, and
# their sign so that higher is better
TEXT_METRICS = (("nll_oracle", -1.0), ("grammatical", 1.0), ("bleu5", 1.0))


def export_text(d, res):
    """text_scores.npz and text_scores.json: the text generators' quality at temperature 1."""
    def at_one(run, key):
        for p in run.get("text_sweep") or []:
            if abs(p["temperature"] - 1.0) < 1e-9 and key in p:
                return p[key]
        return None

    per = {}  # task -> generator -> {seed: run}
    for r in res["rows"]:
        if not r.get("text_sweep"):
            continue
        per.setdefault(task_name(r), {}).setdefault(generator_name(r), {})[r["seed"]] = r
    metric = {}
    for task, gens in per.items():
        for key, _ in TEXT_METRICS:
            if all(at_one(run, key) is not None for runs in gens.values() for run in runs.values()):
                metric[task] = key
                break
    tasks = sorted(metric)
    names = sorted({g for t in tasks for g in per[t]})
    arrays, seeds_of, left_out = {}, {}, {}
    for g in names:
        if any(g not in per[t] for t in tasks):
            left_out[g] = "not run on every task (%d of %d)" % (sum(g in per[t] for t in tasks), len(tasks))
            continue
        seeds = sorted(per[tasks[0]][g])
        if any(sorted(per[t][g]) != seeds for t in tasks):
            left_out[g] = "not the same seeds on every task"
            continue
        sign = {t: dict(TEXT_METRICS)[metric[t]] for t in tasks}
        arrays[g] = np.array([[sign[t] * at_one(per[t][g][s], metric[t]) for t in tasks] for s in seeds], dtype=np.float64)
        seeds_of[g] = seeds
    if not tasks:
        return
    np.savez(os.path.join(d, "text_scores.npz"), **arrays)
    with open(os.path.join(d, "text_scores.json"), "w") as f:
        json.dump({"tasks": tasks, "metric": metric, "seeds": seeds_of, "left_out": left_out,
                   "score": "the task's quality metric at temperature 1, higher is better: "
                            "-nll_oracle, grammatical or bleu5"}, f, indent=1)


if __name__ == "__main__":
    arrays, tasks = export(sys.argv[1])
    print("scores.npz: %d agents x %d tasks" % (len(arrays), len(tasks)), file=sys.stderr)
