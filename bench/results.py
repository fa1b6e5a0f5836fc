#!/usr/bin/python3
"""The tables of docs/results.md that are generated from raw results committed in the repository.

usage: /usr/bin/python3 bench/results.py            # rewrite the generated tables in docs/results.md, draw its plots
       /usr/bin/python3 bench/results.py --check    # exit 1 when a table in the page differs from its data

A generated table stands in the page between
    <!-- generated: NAME (bench/results.py; raw: PATH) -->
    ...
    <!-- /generated: NAME -->
and is rebuilt from PATH alone by the function of SECTIONS with that NAME, so no number in it can
drift from its data: the test command runs --check (CTest docs_results_tables). A section whose
code has changed is rerun, its raw files committed, and its table regenerated.
"""
import io
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, "docs", "results.md")

# rl-zoo's benchmark.md rows (one trained agent; mean and std over its evaluation episodes)
RL_ZOO = {
    ("ppo", "CartPole-v1"): "500.000 ± 0.000",
    ("ppo", "Acrobot-v1"): "-73.506 ± 18.201",
    ("ppo", "MountainCar-v0"): "-110.423 ± 19.473",
    ("ppo", "Pendulum-v1"): "-172.225 ± 104.159",
    ("a2c", "CartPole-v1"): "500.000 ± 0.000",
    ("a2c", "Acrobot-v1"): "-83.353 ± 17.213",
    ("a2c", "MountainCar-v0"): "-111.263 ± 24.087",
    ("a2c", "Pendulum-v1"): "-162.965 ± 103.210 (with gSDE)",
}


def zoo_control():
    """PPO and A2C against rl-zoo: IQM over seeds with its bootstrap interval, the seeds' range."""
    res = json.load(open(os.path.join(ROOT, "bench", "results", "zoo_control", "results.json")))
    rows = {}
    for r in res["rows"]:
        rows.setdefault((r["agent"], r["env"]), []).append(r)
    out = ["| env (budget) | ours: IQM over 5 seeds [95% CI] | seeds | rl-zoo `benchmark.md` |",
           "|---|---|---|---|"]
    order = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1"]
    stats = {(s["agent"], s["env"]): s for s in res["stats"]}
    for agent in ("ppo", "a2c"):
        for env in order:
            s, runs = stats[(agent, env)], rows[(agent, env)]
            iqm = s["return"]["iqm"]
            rets = [r["return"] for r in runs]
            budget = runs[0]["steps"]
            b = "%dk" % (budget // 1000) if budget < 1_000_000 else "%dM" % (budget // 1_000_000)
            spread = ("%g on %d/%d" % (round(rets[0], 1), len(rets), len(rets)) if max(rets) - min(rets) < 1e-9
                      else "%.1f .. %.1f" % (min(rets), max(rets)))
            out.append("| %s, %s (%s) | %.1f [%.1f, %.1f] | %s | %s |" % (
                env, agent.upper(), b, iqm["value"], iqm["lo"], iqm["hi"], spread, RL_ZOO[(agent, env)]))
    return "\n".join(out)


def zoo_control_improvement():
    """rliable's probability of improvement between the agents of the rl-zoo comparison."""
    res = json.load(open(os.path.join(ROOT, "bench", "results", "zoo_control", "results.json")))
    out = ["| X | Y | envs | P(X > Y) [95% CI] |", "|---|---|---|---|"]
    for a in res["probability_of_improvement"]:
        out.append("| %s | %s | %d | %.2f [%.2f, %.2f] |" % (a["x"].upper(), a["y"].upper(), a["envs"], a["value"], a["lo"], a["hi"]))
    return "\n".join(out)


def ppo_kl_oracle():
    """PPO-KL on SeqGAN's oracle: bench/ppo_kl.py's table from its committed JSON."""
    text = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "ppo_kl.py"), "--table-only"],
                          check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return "\n".join(l for l in text.splitlines() if l.startswith("|"))


def _suite_tables(name):
    """A suite's results.json (bench/results/NAME): the final return's IQM per env and agent with
    its 95% stratified-bootstrap interval, the normalised-score IQM across envs, and rliable's
    probability of improvement for every pair of agents."""
    res = json.load(open(os.path.join(ROOT, "bench", "results", name, "results.json")))
    agents = []  # what the suite compares: agents, or labels with the options that tell runs apart
    for st in res["stats"]:
        if st["agent"] not in agents:
            agents.append(st["agent"])
    order = res["suite"].get("agents", [])
    agents.sort(key=lambda a: (order.index(a.split(" ")[0]) if a.split(" ")[0] in order else len(order), a))
    envs = sorted({st["env"] for st in res["stats"]})
    stats = {(st["agent"], st["env"]): st for st in res["stats"]}
    runs = {}
    for r in res["rows"]:
        runs.setdefault((r.get("label", r["agent"]), r["env"]), []).append(r)
    seeds = len(res["suite"]["seeds"])
    out = ["| env (steps) | " + " | ".join(agents) + " |", "|---|" + "---|" * len(agents)]
    for env in envs:
        cells = []
        for a in agents:
            st = stats.get((a, env))
            if not st:
                cells.append("-")
                continue
            iqm = st["return"]["iqm"]
            f = "%.2f" if max(abs(iqm["lo"]), abs(iqm["hi"])) < 10 else "%.1f"
            cells.append((f + " [" + f + ", " + f + "]") % (iqm["value"], iqm["lo"], iqm["hi"]))
        budget = res["suite"].get("envs", {}).get(env, {}).get("steps")
        steps = budget or max(r["steps"] for (a, e), rs in runs.items() if e == env for r in rs)
        out.append("| %s (%s) | %s |" % (env, "{:,}".format(steps), " | ".join(cells)))
    out += ["", "Normalised score (0 = random, 1 = the env's reward threshold), IQM over every run of %d seeds "
            "on the envs with a threshold:" % seeds, "",
            "| agent | envs | runs | IQM [95% CI] | mean [95% CI] |", "|---|---|---|---|---|"]
    for ag in sorted(res["aggregate"], key=lambda x: -x["iqm"]["value"]):
        out.append("| %s | %d | %d | %.3f [%.3f, %.3f] | %.3f [%.3f, %.3f] |" % (
            ag["agent"], ag["envs"], ag["runs"], ag["iqm"]["value"], ag["iqm"]["lo"], ag["iqm"]["hi"],
            ag["mean"]["value"], ag["mean"]["lo"], ag["mean"]["hi"]))
    out += ["", "Probability of improvement, P(X > Y) per env by Mann-Whitney over seeds, averaged over the envs both run "
            "(rliable; 95% stratified bootstrap):", "", "| X | Y | envs | P(X > Y) [95% CI] |", "|---|---|---|---|"]
    seen = set()  # each pair once, the more likely winner as X
    for a in sorted(res["probability_of_improvement"], key=lambda x: -x["value"]):
        if frozenset((a["x"], a["y"])) in seen:
            continue
        seen.add(frozenset((a["x"], a["y"])))
        out.append("| %s | %s | %d | %.2f [%.2f, %.2f] |" % (a["x"], a["y"], a["envs"], a["value"], a["lo"], a["hi"]))
    return "\n".join(out)


def toy():
    """The toy suite on 5 seeds."""
    return _suite_tables("toy")


def ppo_kl_oracle_improvement():
    """Each generator of the PPO-KL suite against MLE: rliable's probability of improvement on
    NLL-oracle at temperature 1 and at matched NLL-test (the suite's text comparison)."""
    res = json.load(open(os.path.join(ROOT, "bench", "results", "ppo_kl_oracle", "results.json")))
    out = ["| X (trained on) | P(X better than MLE), temperature 1 | at matched NLL-test | matched NLL-test | runs left out |",
           "|---|---|---|---|---|"]
    by = {}
    for e in res["text_probability_of_improvement"]:
        if e["y"] == "mle":
            by.setdefault(e["x"], {})[e["at"]] = e
    for x in sorted(by):
        t, m = by[x].get("temperature 1"), by[x].get("matched NLL-test")
        cell = lambda e: "%.2f [%.2f, %.2f]" % (e["value"], e["lo"], e["hi"]) if e else "-"
        c = ", ".join("%.3f" % v for v in m["matched_nll_test"].values()) if m else "-"
        out.append("| %s | %s | %s | %s | %s |" % (x, cell(t), cell(m), c, m["excluded"] if m else "-"))
    return "\n".join(out)


TEXT_QUALITY = (("nll_oracle", "NLL-oracle", False), ("grammatical", "grammatical", True), ("bleu5", "BLEU-5", True))


def _quality(res):
    """A text suite's quality metric (key, label, higher is better): the first of TEXT_QUALITY that
    every text generator's statistics have, or None."""
    text = [st for st in res["stats"] if "nll_test" in st]
    return next((q for q in TEXT_QUALITY if text and all(q[0] in st for st in text)), None)


sys.path.insert(0, os.path.join(ROOT, "suite"))
from rliable_scores import generator_name as _generator  # noqa: E402  (a text generator's name, as the suite's comparison writes it)


def _sweeps(res, metric):
    """Each text generator's sweep: generator -> temperature -> [(NLL-test, metric) per seed]."""
    out = {}
    for r in res["rows"]:
        for p in r.get("text_sweep") or []:
            if "nll_test" in p and metric in p:
                out.setdefault(_generator(r), {}).setdefault(p["temperature"], []).append((p["nll_test"], p[metric]))
    return out


def _text_suite_tables(name, baselines=("mle", "mle-early-stop", "seqgan")):
    """A text suite's part (bench/text_suite.sh TASK; raw: bench/results/NAME): how it ran, each
    generator's figures at temperature 1 (IQM over seeds with its 95% bootstrap interval), and
    rliable's probability of improvement of each generator over each of the baselines (MLE for 50
    epochs and early-stopped, and SeqGAN), at temperature 1 and at matched NLL-test."""
    base = os.path.join(ROOT, "bench", "results", name)
    res = json.load(open(os.path.join(base, "results.json")))
    m = json.load(open(os.path.join(base, "machine.json")))
    runs = {}
    for r in res["rows"]:
        runs.setdefault(_generator(r), []).append(r)
    seeds_done = sorted({r["seed"] for r in res["rows"]})
    planned = len(res["suite"]["runs"]) * len(res["suite"]["seeds"])
    metric, mlabel, higher = _quality(res) or (None, "-", False)
    wall = sorted(r["wall_seconds"] for r in res["rows"])
    diverse = any("selfbleu5" in st for st in res["stats"])  # Self-BLEU on word tasks
    # the commits the runs were made at (pieces.jsonl: each piece's new runs), else the last piece's
    pieces = os.path.join(base, "pieces.jsonl")
    made = {}
    for p in (json.loads(l) for l in open(pieces)) if os.path.exists(pieces) else []:
        made.setdefault((p["commit"], p["date"]), []).extend(p["runs"])
    commits = (", ".join("%s (%d runs, %s)" % (c[:7], len(r), d) for (c, d), r in made.items()) if made
               else "%s, %s" % (m["commit"][:7], m["date"]))
    out = ["- `%s`, commit %s, %s, %s thread per run; %d of the suite's %d runs finished (seeds %s of %s), "
           "wall time per run %.0f-%.0f s (median %.0f)." % (
               m["command"], commits, m["cpu"], m["threads"], len(res["rows"]), planned,
               ", ".join(map(str, seeds_done)), "-".join(map(str, (res["suite"]["seeds"][0], res["suite"]["seeds"][-1]))),
               wall[0], wall[-1], wall[len(wall) // 2]),
           "", "At temperature 1 (%s samples), IQM over seeds [95%% CI]; %s: %s is better:" % (
               "{:,}".format(res["suite"]["text_samples"]), mlabel, "higher" if higher else "lower"), "",
           "| generator | seeds | %s | NLL-test |%s final return | median wall s |" % (mlabel, " Self-BLEU-5 |" if diverse else ""),
           "|---|---|---|---|---|---|" + ("---|" if diverse else "")]

    def cell(st, k, f="%.3f"):
        if k not in st:
            return "-"
        iq = st[k]["iqm"]
        return (f + " [" + f + ", " + f + "]") % (iq["value"], iq["lo"], iq["hi"]) if iq["hi"] > iq["lo"] else f % iq["value"]

    for st in sorted(res["stats"], key=lambda st: (not _generator(st).startswith("mle"), _generator(st))):
        g = _generator(st)
        w = sorted(r["wall_seconds"] for r in runs[g])
        out.append("| %s | %d | %s | %s |%s %s | %.0f |" % (
            g, st["seeds"], cell(st, metric) if metric else "-", cell(st, "nll_test"),
            " %s |" % cell(st, "selfbleu5") if diverse else "", cell(st, "return"), w[len(w) // 2]))
    out += ["", "Probability of improvement on %s (rliable: P(X better than Y) by Mann-Whitney over seeds, 95%% "
            "bootstrap CI); at matched NLL-test each run is cooled from its best-covering temperature (its lowest "
            "NLL-test on the sweep) to the largest of the pair's runs' lowest NLL-test, a coverage every run reaches, "
            "and runs whose sweep does not cool that far are left out (\"not reached\": no run of one side does):" % mlabel, "",
            "| X | Y | temperature 1 | matched NLL-test | matched at | runs left out |", "|---|---|---|---|---|---|"]
    by = {}
    for e in res.get("text_probability_of_improvement", []):
        by.setdefault((e["x"], e["y"]), {})[e["at"]] = e
    for i, y in enumerate(baselines):
        # every other generator against y, and the baselines after y against it (SeqGAN against MLE)
        for x in sorted({x for x, yy in by if yy == y and x not in baselines} | set(baselines[i + 1:]),
                        key=lambda x: (not x.startswith(("seqgan", "leakgan")), x)):
            if (x, y) not in by:
                continue
            t, mt = by[(x, y)].get("temperature 1"), by[(x, y)].get("matched NLL-test")
            c = lambda e: "%.2f [%.2f, %.2f]" % (e["value"], e["lo"], e["hi"]) if e else "not reached"
            at = ", ".join("%.3f" % v for v in mt["matched_nll_test"].values()) if mt and mt.get("matched_nll_test") else "-"
            out.append("| %s | %s | %s | %s | %s | %s |" % (x, y, c(t), c(mt), at, mt["excluded"] if mt else "-"))
    # the whole sweep of the baselines and the GANs: where one generator's curve lies against
    # another's at every temperature
    sweeps = {g: by_t for g, by_t in _sweeps(res, metric).items() if g in baselines or g.startswith(("seqgan", "leakgan"))}
    if sweeps:
        temps = sorted({t for by_t in sweeps.values() for t in by_t})
        out += ["", "The sweep over temperatures, mean over seeds: NLL-test / %s:" % mlabel, "",
                "| generator | " + " | ".join("T = %g" % t for t in temps) + " |", "|---|" + "---|" * len(temps)]
        mean = lambda v, i: sum(x[i] for x in v) / len(v)
        for g in sorted(sweeps, key=lambda g: (not g.startswith("mle"), g)):
            out.append("| %s | " % g + " | ".join("%.3f / %.3f" % (mean(sweeps[g][t], 0), mean(sweeps[g][t], 1))
                                                  if t in sweeps[g] else "-" for t in temps) + " |")
    return "\n".join(out)


def text_oracle():
    """The text suite's part on SeqGAN's oracle."""
    return _text_suite_tables("text_oracle")


def text_grammar():
    """The text suite's part on the caption grammar."""
    return _text_suite_tables("text_grammar")


def text_coco():
    """The text suite's part on COCO captions."""
    return _text_suite_tables("text_coco")


def leakgan_alpha():
    """LeakGAN's worker reward without its intrinsic term (alpha = 0) against the default (alpha = 1)."""
    return _text_suite_tables("leakgan_alpha", baselines=("leakgan {}",))  # {}: the default, alpha = 1


def oracle40():
    """MLE, SeqGAN and LeakGAN at length 40, all at 32/32, on an oracle of LeakGAN's length-40 shape."""
    return _text_suite_tables("oracle40", baselines=("mle", "seqgan"))


def text_features():
    """DQN on a small oracle task on raw tokens, on a sentence VAE's and AE's codes, and random
    (bench/text_features.sh): the deterministic evaluation's mean over seeds along training, the
    final returns per seed, and the codes' fits."""
    d = json.load(open(os.path.join(ROOT, "bench", "results", "text_features.json")))
    c = d["curves"]
    obs = [o for o in ("raw", "vae", "ae", "random") if o in c]
    n = len(c["raw"]["final"])
    out = ["- `bash bench/text_features.sh \"%s\" %d`, commit %s, %s, %s thread per run, %s." % (
        " ".join(str(s + 1) for s in range(n)), c["raw"]["steps"][-1], d.get("commit", "?"), d.get("cpu", "?"),
        d.get("threads", "?"), d.get("date", "?")), "",
        "The runner's deterministic evaluation return, mean over seeds 1-%d:" % n, "",
        "| step | " + " | ".join(obs) + " |", "|---|" + "---|" * len(obs)]
    for i, st in enumerate(c["raw"]["steps"]):
        out.append("| %d | %s |" % (st, " | ".join("%.3f" % (sum(v[i] for v in c[o]["per_seed"]) / n) for o in obs)))
    out += ["", "| observation | final return, mean | per seed | median wall s |", "|---|---|---|---|"]
    for o in obs:
        f = c[o]["final"]
        w = sorted(c[o]["seconds"])
        out.append("| %s | %.3f | %s | %.1f |" % (o, sum(f) / len(f), ", ".join("%.3f" % x for x in f), w[len(w) // 2]))
    out += ["", "| code | held-out reconstruction, nats per sequence | KL | greedy token accuracy |", "|---|---|---|---|"]
    for k in ("vae", "ae"):
        f = d["fits"][k]
        out.append("| %s | %.2f | %.2f | %.3f |" % (k.upper(), f["recon"], f["kl"], f["recon_token_accuracy"]))
    return "\n".join(out)


def gan_modes():
    """GANs on the 2-D mixtures with and without the remedies (bench/gan_modes.sh)."""
    d = json.load(open(os.path.join(ROOT, "bench", "results", "gan_modes.json")))
    out = ["| data | G loss | remedies | modes covered (per seed) | high-quality share (per seed) | median s |",
           "|---|---|---|---|---|---|"]
    for r in d["rows"]:
        m, hq = r["modes_covered"], r["high_quality"]
        out.append("| %s | %s | %s | %.1f / %d (%s) | %.3f (%s) | %.0f |" % (
            r["data"], r["g_loss"].replace("nonsaturating", "non-saturating"), "yes" if r["remedies"] else "no",
            sum(m) / len(m), r["modes"], ", ".join(map(str, m)), sum(hq) / len(hq), ", ".join("%.3f" % x for x in hq),
            r["median_seconds"]))
    return "\n".join(out)


REMEDY = {"none": "none", "pretrain": "200 D updates first", "dsteps2": "2 D updates per G update",
          "dropout": "dropout 0.2 in D", "l2": "L2 1e-4 on D", "r1": "R1 penalty, γ 0.1", "all": "all of them"}


def gan_remedies():
    """The remedies one at a time on the 5x5 grid with the non-saturating loss (bench/gan_remedies.sh)."""
    d = json.load(open(os.path.join(ROOT, "bench", "results", "gan_remedies.json")))
    out = ["| remedy alone | modes covered of 25 (per seed) | high-quality share (per seed) |", "|---|---|---|"]
    for r in d["rows"]:
        m, hq = r["modes_covered"], r["high_quality"]
        out.append("| %s | %.1f (%s) | %.3f (%s) |" % (REMEDY.get(r["remedy"], r["remedy"]), sum(m) / len(m),
                                                        ", ".join(map(str, m)), sum(hq) / len(hq), ", ".join("%.3f" % x for x in hq)))
    return "\n".join(out)


def ppo_speed():
    """PPO's whole training loop on CartPole-v1 against the PyTorch peer, bench/compare_ppo.sh's rounds."""
    d = json.load(open(os.path.join(ROOT, "bench", "results", "ppo_vs_peer.json")))
    n = len(d["ours_per_round"])
    out = ["| env steps/s | " + " | ".join("round %d" % (i + 1) for i in range(n)) + " | median |",
           "|---|" + "---|" * (n + 1)]
    for who, k, med in (("seqrl", "ours_per_round", d["ours_steps_per_s"]), ("peer (PyTorch, CleanRL's algorithm)", "peer_per_round", d["peer_steps_per_s"])):
        out.append("| %s | %s | %s |" % (who, " | ".join("{:,.0f}".format(v) for v in d[k]), "{:,.0f}".format(med)))
    out += ["", "Ratio of the medians: **%.2fx** (target: 5x), %s env steps per round, %s." % (
        d["ratio"], "{:,}".format(d["steps"]), d["cpu"])]
    return "\n".join(out)


def _jsonl(path):
    return [json.loads(l) for l in open(path)] if os.path.exists(path) else []


def _seqgan_reference():
    """SeqGAN's published log and our runs of bench/seqgan_reference_log.sh, per seed: NLL-oracle
    by the log's 0-based epoch (after e+1 epochs: fit lm's step (e+1)*156) and 0-based adversarial
    batch (after b+1 g-steps: the runner's adversarial_batches = b+1)."""
    base = os.path.join(ROOT, "bench", "results", "seqgan_reference")
    ref = json.load(open(os.path.join(base, "reference_log.json")))
    seeds = {}
    for name in sorted(os.listdir(base)):
        if not name.startswith("seed"):
            continue
        d = os.path.join(base, name)
        def by_epoch(name):
            return {r["step"] // 156 - 1: r["nll_oracle"] for r in _jsonl(os.path.join(d, name))
                    if "nll_oracle" in r and r["step"] > 0 and r["step"] % 156 == 0}
        pre, fixed = by_epoch("pretrain.jsonl"), by_epoch("pretrain_fixed.jsonl")
        adv = {int(r["adversarial_batches"]) - 1: r["nll_oracle"] for r in _jsonl(os.path.join(d, "adversarial.jsonl"))
               if "nll_oracle" in r and "adversarial_batches" in r}
        machine = {}
        for part in ("pretrain", "adversarial"):
            f = os.path.join(d, part + ".machine.json")
            if os.path.exists(f):
                machine[part] = json.load(open(f))
        rows = _jsonl(os.path.join(d, "adversarial.jsonl"))
        seconds = {"pretrain": max((r.get("seconds", 0) for r in _jsonl(os.path.join(d, "pretrain.jsonl"))), default=0),
                   "adversarial": max((r.get("seconds", 0) for r in rows), default=0),
                   "d_pretrain": next((r["seconds"] for r in rows if "pretrain_d_loss" in r), 0)}
        seeds[int(name[4:])] = {"pretrain": pre, "pretrain_fixed": fixed, "adversarial": adv, "machine": machine,
                                "seconds": seconds}
    return ref, seeds


def _commits(machine):
    """'commit C', or for a run resumed by newer binaries 'commits A, then C' (bench/machine.sh --update)."""
    cs = [c[:7] for c in machine.get("earlier_commits", []) + [machine.get("commit", "?")]]
    return ("commit " if len(cs) == 1 else "commits ") + ", then ".join(cs)


def _ran_on(m):
    """Where and when a run ran, from its run.machine.json: its commits, the CPU, the threads, the date."""
    return "%s, %s, %s thread%s, %s" % (_commits(m), m.get("cpu", "?"), m.get("threads", "?"),
                                        "" if m.get("threads") == "1" else "s", m.get("date", "?"))


def _log_columns(log_name, second=None, more=()):
    """The header of a table of ours against a reference's training log (and the column of a second
    log of the reference's, when it has one): both data orders, and any more variants of ours named
    in `more`, each against the first log."""
    extra = "".join(" ours, %s: mean [min, max] (seeds) | that - log |" % m for m in more)
    return ["", "| phase | point | %s's log |%s ours: mean [min, max] over seeds | seeds | ours - log | "
            "ours, data in one fixed order: mean [min, max] (seeds) | that - log |%s" % (
                log_name, " %s |" % second if second else "", extra),
            "|---|---|---|" + ("---|" if second else "") + "---|---|---|---|---|" + "---|---|" * len(more)]


def _log_cells(theirs, mine, fixed, *more):
    """The cells of one logged point: ours (data shuffled every epoch), ours in the fixed order and
    any more variants, each against the log."""
    def cell(v, fmt):
        return fmt % (sum(v) / len(v), min(v), max(v), len(v), sum(v) / len(v) - theirs)
    return " | ".join([cell(mine, "%.3f [%.3f, %.3f] | %d | %+.3f") if mine else "- | 0 | -"] +
                      [cell(v, "%.3f [%.3f, %.3f] (%d) | %+.3f") if v else "- | -" for v in (fixed,) + more])


def seqgan_reference_log():
    """SeqGAN's paper protocol as its code runs it, beside its published training log."""
    ref, seeds = _seqgan_reference()
    out = []
    for s, r in sorted(seeds.items()):
        m = r["machine"].get("adversarial") or r["machine"].get("pretrain") or {}
        line = "- seed %d: %s; G's pre-training %.0f s" % (s, _ran_on(m), r["seconds"]["pretrain"])
        if r["seconds"]["d_pretrain"]:
            line += ", D's pre-training %.0f s, %d adversarial batches in %.0f s" % (
                r["seconds"]["d_pretrain"], len(r["adversarial"]), r["seconds"]["adversarial"] - r["seconds"]["d_pretrain"])
        out.append(line)
    out += _log_columns("SeqGAN")
    for phase, label in (("pretrain", "after epoch"), ("adversarial", "after batch")):
        for point, theirs in ref[phase]:
            mine = [r[phase][point] for r in seeds.values() if point in r[phase]]
            if not mine or (phase == "pretrain" and point not in (0, 5, 10, 20, 40, 60, 80, 100, 115)):
                continue  # (the plot has every point of the pre-training)
            fx = [r["pretrain_fixed"][point] for r in seeds.values() if phase == "pretrain" and point in r["pretrain_fixed"]]
            out.append("| %s | %s %d | %.3f | %s |" % ("G's MLE" if phase == "pretrain" else "adversarial", label, point + 1,
                                                      theirs, _log_cells(theirs, mine, fx)))
    return "\n".join(out)


def plot_seqgan_reference_log(path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ref, seeds = _seqgan_reference()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
    for ax, phase, title, xl in ((axes[0], "pretrain", "G's MLE pre-training", "epochs"),
                                 (axes[1], "adversarial", "adversarial training (after D's 50 rounds)", "adversarial batches (g-steps)")):
        ax.plot([p + 1 for p, _ in ref[phase]], [v for _, v in ref[phase]], "k-o", ms=3, label="SeqGAN's published log")
        for s, r in sorted(seeds.items()):
            pts = sorted(r[phase].items())
            if pts:
                ax.plot([p + 1 for p, _ in pts], [v for _, v in pts], "-", lw=1.2, label="seqrl, seed %d" % s)
            fixed = sorted(r["pretrain_fixed"].items()) if phase == "pretrain" else []
            if fixed:
                ax.plot([p + 1 for p, _ in fixed], [v for _, v in fixed], "--", lw=1.2,
                        label="seqrl, seed %d, data in one fixed order" % s)
        ax.set_title(title)
        ax.set_xlabel(xl)
        ax.set_ylabel("NLL-oracle (9,984 samples)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylim(8.9, 10.3)
    axes[1].set_ylim(8.6, 9.2)
    fig.suptitle("SeqGAN's paper protocol on its own oracle: seqrl (--protocol reference) against SeqGAN's training log", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# our runs of LeakGAN's reference protocol (bench/leakgan_reference_log.sh SEED ORDER) by the
# prefix of their raw folders: seedN (G's data shuffled every epoch), fixed_seedN (in LeakGAN's
# loader's one order), and fixed_ with the changes of the ORDER's suffixes (lr0.01: G's Adam rate
# 0.01; 3rounds: the pre-training cut to 3 rounds; carried_adam: pre-training's Adam moments
# carried into the g-steps, as before commit 7a6000e; first_tokens_1: the g-steps' samples' first
# two tokens at temperature 1, as before commit 7b98be4; goal_shift: scored with each block's goals
# one prefix later than sampled, as the code's teacher-forced graph; adversarial_goal_shift: so in
# the g-steps alone; d_init: D drawn as the code draws it; pad_row: the leak's unfilled positions
# a fixed random row, as the code pads them; block_manager: the manager's cosine per block, as the
# code's; learned_goal_init: goal_init learned per batch slot, as the code's; block_worker: the
# worker's batch scalar per token from its block's start, as the code's Worker_Reward)
LEAKGAN_VARIANTS = {"shuffled": "G's data shuffled every epoch", "fixed": "G's data in one fixed order",
                    "fixed_lr0.01": "G's data in one fixed order, G's Adam rate 0.01",
                    "fixed_first_tokens_1": "G's data in one fixed order, the g-steps' samples' first two tokens at "
                                            "temperature 1",
                    "fixed_carried_adam_first_tokens_1": "G's data in one fixed order, pre-training's Adam moments carried "
                                                         "into the g-steps, their samples' first two tokens at temperature 1",
                    "fixed_3rounds": "G's data in one fixed order, pre-training cut to 3 rounds",
                    "fixed_3rounds_carried_adam_first_tokens_1": "G's data in one fixed order, pre-training cut to 3 rounds, "
                                                                 "its Adam moments carried into the g-steps, their samples' "
                                                                 "first two tokens at temperature 1",
                    "fixed_3rounds_goal_shift": "G's data in one fixed order, pre-training cut to 3 rounds, scored with "
                                                "each block's goals one prefix later than sampled (--score-goal-shift)",
                    "fixed_adversarial_goal_shift": "G's data in one fixed order, the g-steps scored with each block's goals "
                                                    "one prefix later than sampled, the pre-training not "
                                                    "(--adversarial-goal-shift)",
                    "fixed_3rounds_d_init": "G's data in one fixed order, pre-training cut to 3 rounds, D drawn as the "
                                            "code draws it (--d-init reference)",
                    "fixed_3rounds_pad_row": "G's data in one fixed order, pre-training cut to 3 rounds, the leak padded "
                                             "with a fixed random row (--leak-pad random)",
                    "fixed_3rounds_d_init_pad_row": "G's data in one fixed order, pre-training cut to 3 rounds, D drawn as "
                                                    "the code draws it (--d-init reference), the leak padded with a fixed "
                                                    "random row (--leak-pad random)",
                    "fixed_3rounds_goal_shift_d_init_pad_row_block_manager_learned_goal_init":
                        "G's data in one fixed order, pre-training cut to 3 rounds, as the code in every difference "
                        "named here but the worker's scalar: scored with its shifted goals (--score-goal-shift), its D "
                        "draws (--d-init reference) and pad row (--leak-pad random), its manager cosine per block "
                        "(--manager-loss block), its goal_init learned per batch slot (--goal-init learned)",
                    "fixed_3rounds_goal_shift_d_init_pad_row_block_manager_learned_goal_init_block_worker":
                        "G's data in one fixed order, pre-training cut to 3 rounds, as the code in every difference "
                        "named here: its shifted goals, D draws, pad row, manager cosine per block and goal_init per "
                        "batch slot, and its worker's scalar (--worker-cosine block)"}
# the plot's legend: short names (the tables hold the long ones)
LEAKGAN_LEGEND = {"shuffled": "data shuffled", "fixed": "code's data order", "fixed_lr0.01": "code's order, G's rate 0.01",
                  "fixed_3rounds": "code's order",
                  "fixed_3rounds_goal_shift": "code's order, goals shifted (--score-goal-shift)",
                  "fixed_first_tokens_1": "code's order, first two tokens at 1",
                  "fixed_carried_adam_first_tokens_1": "code's order, Adam carried, first two tokens at 1",
                  "fixed_adversarial_goal_shift": "code's order, g-steps' goals shifted",
                  "fixed_3rounds_d_init": "code's order, the code's D draws",
                  "fixed_3rounds_pad_row": "code's order, the code's pad row",
                  "fixed_3rounds_d_init_pad_row": "code's order, the code's D draws and pad row",
                  "fixed_3rounds_goal_shift_d_init_pad_row_block_manager_learned_goal_init":
                      "code's order, every listed difference but the worker's scalar",
                  "fixed_3rounds_goal_shift_d_init_pad_row_block_manager_learned_goal_init_block_worker":
                      "code's order, every listed difference as the code"}
# the variants whose pre-training is another's (the same rounds, bit for bit; some cut short) and
# whose adversarial phase is not the reference's, each to that variant. In the comparison with the
# log their pre-training counts as that variant's (a seed once), their adversarial figures not at
# all (the second table and the plot have them)
LEAKGAN_SIDE_RUNS = {"fixed_first_tokens_1": "fixed", "fixed_carried_adam_first_tokens_1": "fixed",
                     "fixed_3rounds": "fixed", "fixed_3rounds_carried_adam_first_tokens_1": "fixed",
                     "fixed_adversarial_goal_shift": "fixed",
                     "fixed_3rounds_goal_shift_d_init_pad_row_block_manager_learned_goal_init_block_worker":
                         "fixed_3rounds_goal_shift_d_init_pad_row_block_manager_learned_goal_init"}


def _run_colour(i):
    """The i-th run's colour in the LeakGAN plots: tab10's 10 hues, then their light shades
    (tab20 holds each hue dark, then light)."""
    import matplotlib.pyplot as plt
    return plt.get_cmap("tab20")((2 * i) % 20 + (i // 10) % 2)


def _leakgan_rounds(variant, full):
    """A variant's pre-training rounds: 3 where its ORDER cut them (a 3rounds suffix), else all."""
    return 3 if "3rounds" in variant.split("_") else full


def _leakgan_pretraining_runs(seeds):
    """Per (variant, seed), the run whose pre-training stands for it: a side run's counts as its
    variant's (the same rounds, bit for bit) unless a run of that variant and seed has it."""
    out = {}
    for (o, s), r in sorted(seeds.items(), key=lambda kv: kv[0][0] in LEAKGAN_SIDE_RUNS):
        out.setdefault((LEAKGAN_SIDE_RUNS.get(o, o), s), r)
    return out


def _leakgan_reference():
    """LeakGAN's README log and our runs of bench/leakgan_reference_log.sh, per seed: NLL-oracle in
    pre-training by G epochs run (the log's round r, epoch e, both 0-based, is 8r + e + 1 epochs
    run), and after adversarial batch b's g-step (0-based: ours after b + 1 g-steps), before its D
    rounds, as the log has it ("adversarial"; raw results from before --nll-at have none), and
    after them ("after_d")."""
    base = os.path.join(ROOT, "bench", "results", "leakgan_reference")
    ref = json.load(open(os.path.join(base, "reference_log.json")))
    # (variant, seed): seed1 holds the run with G's data shuffled every epoch, fixed_seed1 in one
    # order, fixed_lr0.01_seed1 in one order with G's Adam rate 0.01
    seeds, log_rounds = {}, len(ref["pretrain"]) // 2
    for name in sorted(os.listdir(base)):
        d = os.path.join(base, name)
        which = re.fullmatch(r"(?:(.+)_)?seed(\d+)", name)
        which = which if which and (which.group(1) or "shuffled") in LEAKGAN_VARIANTS else None
        if not which or not os.path.exists(os.path.join(d, "run.machine.json")):
            continue
        rows = _jsonl(os.path.join(d, "run.jsonl"))
        log = os.path.join(d, "run.stderr.log")
        of_rounds = _leakgan_rounds(which.group(1) or "shuffled", log_rounds)
        first = next((r for r in rows if "pretrain_nll_oracle" in r), None)
        pre, rounds = {}, 0
        if first:  # the pre-training has ended: its figures are in the first metrics line
            key = "pretrain_nll_oracle_after_epoch_"
            pre = {int(k[len(key):]): v for k, v in first.items() if k.startswith(key)}
            rounds = of_rounds
        else:  # still in it: what it has printed so far (a resumed round prints its lines again, the same)
            for line in open(log) if os.path.exists(log) else []:
                f = line.split()
                if len(f) == 5 and f[:2] == ["leakgan:", "pretrain_g"] and f[3] == "nll_oracle":
                    pre[int(f[2])] = float(f[4])
                if len(f) == 5 and f[:2] == ["leakgan:", "pretrain_g"] and f[3] == "train_nll" and int(f[2]) % 8 == 0:
                    rounds = max(rounds, int(f[2]) // 8)
        # (a pre-training resumed from its saved file ran in part, or wholly, in an earlier process,
        # whose time this run's clock does not hold)
        resumed = os.path.exists(log) and any("pre-training resumed from" in line for line in open(log))

        def adversarial(key):
            return {int(r["adversarial_batches"]): r[key] for r in rows if key in r and "adversarial_batches" in r}
        # ("whole": the log's whole pre-training before its adversarial batches, which then stand beside the log's)
        seeds[(which.group(1) or "shuffled", int(which.group(2)))] = {"pretrain": pre, "rounds": rounds, "of_rounds": of_rounds,
                                "whole": of_rounds == log_rounds,
                                "adversarial": adversarial("nll_oracle_before_d"), "after_d": adversarial("nll_oracle"),
                                "pretrain_end": first.get("pretrain_nll_oracle") if first else None, "resumed": resumed,
                                "machine": json.load(open(os.path.join(d, "run.machine.json"))),
                                "pretrain_seconds": first["seconds"] if first else None,
                                "seconds": max((r.get("seconds", 0) for r in rows), default=0)}
    return ref, seeds


def leakgan_reference_log():
    """LeakGAN's paper protocol as its code runs it, beside the training log its README prints."""
    ref, seeds = _leakgan_reference()
    out = []
    for (order, s), r in sorted(seeds.items(), key=lambda kv: (list(LEAKGAN_VARIANTS).index(kv[0][0]), kv[0][1])):
        m = r["machine"]
        line = "- seed %d, %s: %s; " % (s, LEAKGAN_VARIANTS[order], _ran_on(m))
        batches = len(r["after_d"])
        if r["pretrain_seconds"] is None:
            line += "%d of its %d pre-training rounds run" % (r["rounds"], r["of_rounds"])
        else:
            line += "pre-training (%d rounds) %s, %d adversarial batch%s in %.0f s" % (
                r["rounds"], "resumed from its saved file" if r["resumed"] else "%.0f s" % r["pretrain_seconds"],
                batches, "" if batches == 1 else "es", r["seconds"] - r["pretrain_seconds"])
            if batches and not r["adversarial"]:
                line += " (NLL-oracle after each batch's D rounds only)"
        out.append(line)
    more = [o for o in LEAKGAN_VARIANTS
            if o not in ("shuffled", "fixed") and o not in LEAKGAN_SIDE_RUNS and any(v == o for v, _ in seeds)]
    out += _log_columns("LeakGAN", "its second log", [LEAKGAN_VARIANTS[o] for o in more])
    second = _leakgan_second_log(ref)
    points = [("pre-training", "round %d, after %d of its G epochs (%d in all)" % (rr + 1, e + 1, 8 * rr + e + 1), 8 * rr + e + 1, v, "pretrain")
              for rr, e, v in ref["pretrain"]]
    points += [("adversarial", "after the g-step of batch %d" % (b + 1), b + 1, v, "adversarial") for b, v in ref["adversarial"]]
    # in pre-training a side run stands for its variant (a seed once); after it, side runs not at all
    runs = {"pretrain": _leakgan_pretraining_runs(seeds),
            "adversarial": {k: r for k, r in seeds.items()
                            if k[0] not in LEAKGAN_SIDE_RUNS and r["whole"]}}
    for phase, label, k, theirs, part in points:
        ours = {v: [r[part][k] for (o, _), r in sorted(runs[part].items()) if o == v and k in r[part]]
                for v in LEAKGAN_VARIANTS}
        if any(ours.values()):
            other = second[part].get(k)
            out.append("| %s | %s | %.3f | %s | %s |" % (phase, label, theirs, "-" if other is None else "%.3f" % other,
                                                       _log_cells(theirs, ours["shuffled"], ours["fixed"],
                                                                  *[ours[o] for o in more])))
    return "\n".join(out)


def leakgan_d_rounds():
    """Every adversarial batch of our LeakGAN reference runs: NLL-oracle after its g-step (the log's
    point) and after its D rounds."""
    ref, seeds = _leakgan_reference()
    log = {b + 1: v for b, v in ref["adversarial"]}
    out = ["| run | batch | before it | after its g-step | the g-step's change | after its D rounds | "
           "the D rounds' change | LeakGAN's log, after the g-step |",
           "|---|---|---|---|---|---|---|---|"]

    def f(v, fmt="%.3f"):
        return "-" if v is None else fmt % v
    for (order, s), r in sorted(seeds.items(), key=lambda kv: (list(LEAKGAN_VARIANTS).index(kv[0][0]), kv[0][1])):
        for b in sorted(set(r["adversarial"]) | set(r["after_d"])):
            # before batch b: the end of batch b - 1, or of the pre-training (the log beside runs
            # after the whole of it)
            a, g, d = r["after_d"].get(b - 1) if b > 1 else r["pretrain_end"], r["adversarial"].get(b), r["after_d"].get(b)
            out.append("| seed %d, %s | %d | %s | %s | %s | %s | %s | %s |" % (
                s, LEAKGAN_VARIANTS[order], b, f(a), f(g), f(None if a is None or g is None else g - a, "%+.3f"),
                f(d), f(None if g is None or d is None else d - g, "%+.3f"),
                f(log.get(b) if r["whole"] else None)))
    return "\n".join(out)


def leakgan_gsteps():
    """LeakGAN's reference g-steps alone (no D rounds) from a saved pre-training
    (bench/leakgan_gsteps.sh): NLL-oracle after each, the first two tokens of their samples at
    temperature 1 or 2/3."""
    base = os.path.join(ROOT, "bench", "results", "leakgan_gsteps")
    def pre(order):  # bench/leakgan_order.sh's ORDER: its pre-training's rounds
        return "%d rounds" % _leakgan_rounds(order.replace("-", "_"), 10)

    def shift(order):  # ... and where it scores with the shifted goals
        return ("g-steps" if "adversarial-goal-shift" in order else
                "pre-training and g-steps" if "goal-shift" in order else "no")
    runs = []
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        m = re.fullmatch(r"(fixed[a-z0-9.-]*)_s(\d+)_head(1|2of3)", name)
        if not m or not os.path.exists(os.path.join(base, name, "run.machine.json")):
            continue
        rows = _jsonl(os.path.join(base, name, "run.jsonl"))
        first = next((r for r in rows if "pretrain_nll_oracle" in r), {})
        after = {int(r["adversarial_batches"]): r["nll_oracle_before_d"] for r in rows if "nll_oracle_before_d" in r}
        after[0] = first.get("pretrain_nll_oracle")
        runs.append((int(m.group(2)), m.group(1), "1" if m.group(3) == "1" else "2/3", after, rows,
                     json.load(open(os.path.join(base, name, "run.machine.json")))))
    runs.sort(key=lambda r: (r[0], -_leakgan_rounds(r[1].replace("-", "_"), 10), shift(r[1]) != "no",
                             shift(r[1]) != "g-steps", r[2] != "1"))
    if not runs:
        return "(no runs)"
    points = sorted(set(b for r in runs for b in r[3]) & {0, 1, 2, 3, 5, 10, 15, 20})
    out = []
    for s, order, head, after, rows, m in runs:
        out.append("- seed %d, pre-training of %s, shifted goals: %s, first two tokens at %s: %s; %d g-steps in %.0f s" % (
            s, pre(order), shift(order), head, _ran_on(m), len(after) - 1, max((r.get("seconds", 0) for r in rows), default=0)))
    out += ["", "| seed | pre-training | scored with the shifted goals | first two tokens at | " + " | ".join(
        "end of pre-training" if b == 0 else "after %d g-step%s" % (b, "" if b == 1 else "s") for b in points) +
        " | change |", "|---|---|---|---|" + "---|" * (len(points) + 1)]
    for s, order, head, after, rows, m in runs:
        last = max(after)
        out.append("| %d | %s | %s | %s | %s | %+.3f (%d g-steps) |" % (
            s, pre(order), shift(order), head,
            " | ".join("-" if after.get(b) is None else "%.3f" % after[b] for b in points),
            after[last] - after[0], last))
    return "\n".join(out)


def _leakgan_second_log(ref):
    """The second log of LeakGAN's first commit, by our count: G epochs run, adversarial batches run."""
    second = ref.get("second_log", {"pretrain": [], "adversarial": []})
    return {"pretrain": {8 * r + e + 1: v for r, e, v in second["pretrain"]},
            "adversarial": {b + 1: v for b, v in second["adversarial"]}}


def plot_leakgan_reference_log(path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ref, seeds = _leakgan_reference()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1, 1]})
    theirs = {"pretrain": [(8 * r + e + 1, v) for r, e, v in ref["pretrain"]],
              "adversarial": [(b + 1, v) for b, v in ref["adversarial"]]}
    for ax, part, title, xl in ((axes[0], "pretrain", "interleaved pre-training (10 rounds of 5 D rounds and 8 G epochs)", "G epochs run"),
                                (axes[1], "adversarial", "adversarial training (after each g-step, before its D rounds)",
                                 "adversarial batches (g-steps)")):
        ax.plot([x for x, _ in theirs[part]], [v for _, v in theirs[part]], "k-o", ms=3, label="LeakGAN's published log")
        other = sorted(_leakgan_second_log(ref)[part].items())
        if other:
            ax.plot([x for x, _ in other], [v for _, v in other], "-s", color="0.55", ms=3,
                    label="LeakGAN's second log (its first commit's save/log.txt)")
        # one line per variant and seed: a side run's pre-training under its variant's name when it
        # stands for it, its adversarial phase under its own (the comparison table leaves it out)
        standing = _leakgan_pretraining_runs(seeds)

        def drawn(order, s, r, part):
            side = LEAKGAN_SIDE_RUNS.get(order)
            if part == "pretrain":
                return not side or standing[(side, s)] is r
            return r["whole"]  # (after a cut pre-training: not beside the log's batches)
        # one colour per run in both panels, for the runs either panel draws
        shown = [key for key, r in sorted(seeds.items()) if drawn(*key, r, "pretrain") or drawn(*key, r, "adversarial")]
        for (order, s), r in sorted(seeds.items()):
            if not drawn(order, s, r, part):
                continue
            colour = _run_colour(shown.index((order, s)))
            side = LEAKGAN_SIDE_RUNS.get(order)
            pts = sorted(r[part].items())
            name = side if side and part == "pretrain" else order
            label = "seqrl, seed %d, %s" % (s, LEAKGAN_LEGEND.get(name, LEAKGAN_VARIANTS[name]))
            if pts:
                ax.plot([x for x, _ in pts], [v for _, v in pts], "-o" if order == "shuffled" else "--o", ms=3, lw=1.2,
                        color=colour, label=label)
            after = sorted(r["after_d"].items()) if part == "adversarial" else []
            if after:  # the figure after the batch's D rounds, which the log does not have
                ax.plot([x for x, _ in after], [v for _, v in after], "^", ms=5, mfc="none",
                        color=colour, label=label + ", after its D rounds")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xl)
        ax.set_ylabel("NLL-oracle at temperature 2/3 (9,984 samples)")
        ax.grid(alpha=0.3)
        if part == "adversarial":  # (room above the lines for the legend)
            lo, hi = ax.get_ylim()
            ax.set_ylim(lo, hi + 0.3 * (hi - lo))
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle("LeakGAN's paper protocol on SeqGAN's oracle: seqrl (--protocol paper-reference) against LeakGAN's two logs",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_leakgan_falls(path):
    """How far each of our LeakGAN reference runs has fallen after each g-step since the end of its
    pre-training, beside LeakGAN's two logs' falls since the end of theirs: the adversarial
    phase's pace, for the runs from a pre-training cut to 3 rounds too (their level differs)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ref, seeds = _leakgan_reference()
    fig, ax = plt.subplots(figsize=(8, 4.6))
    second = _leakgan_second_log(ref)
    logs = [("LeakGAN's published log", ref["pretrain"][-1][2], [(b + 1, v) for b, v in ref["adversarial"]], "-o"),
            ("LeakGAN's second log", second["pretrain"][max(second["pretrain"])] if second["pretrain"] else None,
             sorted(second["adversarial"].items()), "-s")]  # (black, grey: as in the plot beside)
    for label, end, pts, style in logs:
        if end is None or not pts:
            continue
        ax.plot([0] + [b for b, _ in pts], [0.0] + [v - end for _, v in pts], style, ms=3,
                color="k" if style == "-o" else "0.55", label="%s (from %.3f)" % (label, end))
    # the runs with the reference variant's g-steps as they stand (fresh Adam, the first two tokens at 2/3)
    runs = [(k, r) for k, r in sorted(seeds.items())
            if r["adversarial"] and r["pretrain_end"] is not None
            and not any(x in k[0].split("_") for x in ("carried", "first"))]
    for i, ((order, s), r) in enumerate(runs):
        pts = sorted(r["adversarial"].items())
        name = LEAKGAN_LEGEND.get(order, LEAKGAN_VARIANTS[order])
        rounds = _leakgan_rounds(order, 10)
        ax.plot([0] + [b for b, _ in pts], [0.0] + [v - r["pretrain_end"] for _, v in pts], "--o", ms=3, lw=1.2,
                color=_run_colour(i),
                label="seqrl, seed %d, %s, %d rounds (from %.3f)" % (s, name, rounds, r["pretrain_end"]))
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_xlim(-0.3, 11.5)
    shown = [y for line in ax.get_lines() for x, y in zip(line.get_xdata(), line.get_ydata()) if x <= 11.5]
    ax.set_ylim(min(shown) - 0.45, max(shown) + 0.1)  # (room below the lines for the legend)
    ax.set_xlabel("adversarial batches (g-steps) run")
    ax.set_ylabel("NLL-oracle after the g-step minus at the pre-training's end")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title("LeakGAN's adversarial phase: the fall since the end of the pre-training (its first 11 batches: the logs log every 5th)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_text_suite(name, path):
    """A text suite's quality-diversity curves: each generator's quality metric against NLL-test over
    the sampling temperatures, the mean over its seeds (a generator hacking its reward lies far off)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    res = json.load(open(os.path.join(ROOT, "bench", "results", name, "results.json")))
    metric = _quality(res)
    if metric is None:
        return
    curves = _sweeps(res, metric[0])
    fig, axes = plt.subplots(1, 2, figsize=(13, 6))
    mean = {}
    for g, by_t in sorted(curves.items()):
        ts = sorted(by_t)
        mean[g] = ([sum(a for a, _ in by_t[t]) / len(by_t[t]) for t in ts], [sum(b for _, b in by_t[t]) / len(by_t[t]) for t in ts],
                   min(range(len(ts)), key=lambda i: abs(ts[i] - 1.0)), len(by_t[ts[0]]))
    colours = plt.get_cmap("tab10" if len(mean) <= 10 else "tab20").colors
    for ax in axes:
        for k, (g, (x, y, i, n)) in enumerate(mean.items()):
            ax.plot(x, y, "-o", ms=3, lw=1.2, color=colours[k % len(colours)], label="%s (%d seed%s)" % (g, n, "" if n == 1 else "s"))
            ax.plot([x[i]], [y[i]], "s", ms=7, mfc="none", color=colours[k % len(colours)])
        ax.set_xlabel("NLL-test (lower: covers held-out data better)")
        ax.set_ylabel("%s (%s is better)" % (metric[1], "higher" if metric[2] else "lower"))
        ax.grid(alpha=0.3)
    # the right panel: around MLE's and the GANs' curves, where the generators that did not hack their reward lie
    near = [mean[g] for g in ("mle", "mle-early-stop", "seqgan", "leakgan") if g in mean]
    if near:
        xs = [v for x, _, _, _ in near for v in x]
        ys = [v for _, y, _, _ in near for v in y]
        px, py = 0.15 * (max(xs) - min(xs) or 1), 0.15 * (max(ys) - min(ys) or 1)
        axes[1].set_xlim(min(xs) - px, max(xs) + px)
        axes[1].set_ylim(min(ys) - py, max(ys) + py)
    axes[0].set_title("every generator", fontsize=10)
    axes[1].set_title("zoomed on MLE's and the GANs' curves", fontsize=10)
    # the legend below the panels, where it hides no curve
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=3, frameon=False)
    fig.suptitle("%s: quality against coverage over temperatures %s, mean over seeds (square: temperature 1)" % (
        res["suite"].get("name", name), "-".join("%g" % t for t in (min(res["suite"]["temperatures"]), max(res["suite"]["temperatures"])))),
        fontsize=10)
    rows = (len(handles) + 2) // 3
    fig.tight_layout(rect=(0, 0.035 * rows + 0.02, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


PLOTS = {"seqgan_reference_log.png": plot_seqgan_reference_log,
         "leakgan_reference_log.png": plot_leakgan_reference_log,
         "leakgan_reference_falls.png": plot_leakgan_falls,
         "text_oracle.png": lambda path: plot_text_suite("text_oracle", path),
         "text_grammar.png": lambda path: plot_text_suite("text_grammar", path),
         "text_coco.png": lambda path: plot_text_suite("text_coco", path),
         "oracle40.png": lambda path: plot_text_suite("oracle40", path)}

SECTIONS = {"zoo_control": zoo_control, "zoo_control_improvement": zoo_control_improvement,
            "ppo_kl_oracle": ppo_kl_oracle, "seqgan_reference_log": seqgan_reference_log, "toy": toy,
            "leakgan_reference_log": leakgan_reference_log, "leakgan_d_rounds": leakgan_d_rounds, "leakgan_gsteps": leakgan_gsteps,
            "ppo_kl_oracle_improvement": ppo_kl_oracle_improvement, "ppo_speed": ppo_speed, "text_oracle": text_oracle, "text_grammar": text_grammar, "text_coco": text_coco,
            "leakgan_alpha": leakgan_alpha, "oracle40": oracle40,
            "text_features": text_features, "gan_modes": gan_modes, "gan_remedies": gan_remedies}
BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z_0-9]+) [^>]*-->\n)(?P<body>.*?)(\n<!-- /generated: (?P=name) -->)", re.S)


def main():
    check = "--check" in sys.argv[1:]
    page = open(PAGE).read()
    seen, stale = set(), []

    def redo(m):
        name = m.group("name")
        if name not in SECTIONS:
            sys.exit("docs/results.md: a generated block names '%s', which bench/results.py does not know" % name)
        seen.add(name)
        body = SECTIONS[name]()
        if body != m.group("body"):
            stale.append(name)
        return m.group(1) + body + m.group(4)

    new = BLOCK.sub(redo, page)
    missing = sorted(set(SECTIONS) - seen)
    if missing:
        sys.exit("docs/results.md has no generated block for: " + ", ".join(missing))
    if check:
        if stale:
            print("docs/results.md: these tables differ from their raw results (run bench/results.py): " + ", ".join(stale))
            return 1
        print("docs/results.md: %d generated tables match their raw results (%s)" % (len(seen), ", ".join(sorted(seen))))
        return 0
    for name, draw in PLOTS.items():  # the plots beside the page (not in --check: they are images)
        try:
            draw(os.path.join(os.path.dirname(PAGE), name))
        except ImportError as e:
            print("docs/%s not drawn: %s" % (name, e))
    if new != page:
        with open(PAGE + ".tmp", "w") as f:
            f.write(new)
        os.replace(PAGE + ".tmp", PAGE)
    print("docs/results.md: %d tables regenerated, %d changed (%s)" % (len(seen), len(stale), ", ".join(stale) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
