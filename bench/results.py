#!/usr/bin/python3
"""The tables of docs/results.md that are generated from raw results committed in the repository.

usage: /usr/bin/python3 bench/results.py            # rewrite the generated tables in docs/results.md
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


SECTIONS = {"zoo_control": zoo_control, "zoo_control_improvement": zoo_control_improvement,
            "ppo_kl_oracle": ppo_kl_oracle}
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
    if new != page:
        with open(PAGE + ".tmp", "w") as f:
            f.write(new)
        os.replace(PAGE + ".tmp", PAGE)
    print("docs/results.md: %d tables regenerated, %d changed (%s)" % (len(seen), len(stale), ", ".join(stale) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
