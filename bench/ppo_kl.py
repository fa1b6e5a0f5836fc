#!/usr/bin/python3
"""PPO with a KL anchor on SeqGAN's oracle (bench/suites/ppo_kl_oracle.json): its raw figures and plots.

usage: /usr/bin/python3 bench/ppo_kl.py SUITE_OUT [OUT=bench/results/ppo_kl_oracle]
       /usr/bin/python3 bench/ppo_kl.py --from-json [OUT=bench/results/ppo_kl_oracle]

Reads a finished suite folder (SUITE_OUT/runs/*/summary.json, metrics.jsonl, text_metrics.json)
and writes OUT/ppo_kl.json: per run, its agent and options, every update's env reward, KL per
sequence and beta (the PPO runs), REINFORCE's D reward per update, and the suite's text metrics
per temperature. Then, from that file alone (so the figures can be redrawn from what is
committed): OUT/reward_vs_kl.png (each PPO run's D reward against its KL, update by update),
OUT/frontier.png (NLL-oracle against NLL-test per run and temperature) and a markdown table on
standard output. `--from-json` redraws the plot and the table from OUT/ppo_kl.json alone;
`--table-only` prints the table alone from it (what bench/results.py puts in docs/results.md).
"""
import glob
import json
import os
import sys


def collect(suite_out):
    runs = []
    for d in sorted(glob.glob(os.path.join(suite_out, "runs", "*"))):
        if not os.path.exists(os.path.join(d, "summary.json")):
            continue  # not finished
        s = json.load(open(os.path.join(d, "summary.json")))
        if s.get("interrupted") or not s.get("final_eval"):
            continue
        cfg = s["config"]
        r = {"id": os.path.basename(d), "agent": cfg["kind"], "env_options": cfg["env_options"],
             "wall_seconds": s["wall_seconds"], "steps": s["steps"], "curve": []}
        ac = cfg["agent_config"]
        if cfg["kind"] == "ppo-lstm":
            r["beta"], r["target_kl"] = ac["beta"], ac["target_kl"]
        r["reward"] = "discriminator" if "reward_model" in cfg["env_options"] else "oracle likelihood"
        for line in open(os.path.join(d, "metrics.jsonl")):
            m = json.loads(line)
            if "env_reward" in m:
                r["curve"].append({"step": m["step"], "env_reward": m["env_reward"], "kl": m["kl"], "beta": m["beta"]})
            elif "policy_loss" in m and "train_return" in m:
                r["curve"].append({"step": m["step"], "env_reward": m["train_return"]})
        tm = os.path.join(d, "text_metrics.json")
        r["text_metrics"] = json.load(open(tm)) if os.path.exists(tm) else []
        runs.append(r)
    return runs


def label(r):
    if r["agent"] == "ppo-lstm":
        b = "adaptive beta (target KL %g)" % r["target_kl"] if r["target_kl"] > 0 else "beta %g" % r["beta"]
        return "PPO-KL, %s, %s" % (r["reward"], b)
    return {"mle": "MLE", "seqgan": "SeqGAN", "reinforce-lstm": "REINFORCE, " + r["reward"]}.get(r["agent"], r["agent"])


def draw(runs, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    colours = {}
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for r in runs:
        colours.setdefault(label(r), palette[len(colours) % len(palette)])
    fig, ax = plt.subplots(1, 3, figsize=(18, 5))
    seen = set()

    def once(name, k):  # one legend entry per kind of run (the seeds share a colour)
        if (name, k) in seen:
            return None
        seen.add((name, k))
        return name
    w = 10  # a moving average over 10 updates: one update's reward is the mean of 64 noisy D scores
    for r in runs:
        c = [p for p in r["curve"] if "kl" in p]
        if r["agent"] != "ppo-lstm" or r["reward"] != "discriminator" or len(c) < w:
            continue
        kl = [sum(p["kl"] for p in c[i - w:i]) / w for i in range(w, len(c) + 1)]
        rw = [sum(p["env_reward"] for p in c[i - w:i]) / w for i in range(w, len(c) + 1)]
        ax[0].plot(kl, rw, color=colours[label(r)], label=once(label(r), 0), lw=1)
        ax[0].plot(kl[-1:], rw[-1:], "o", color=colours[label(r)])
    ax[0].set_xlabel("KL to the starting MLE generator (per sequence)")
    ax[0].set_ylabel("discriminator reward (mean per sequence)")
    ax[0].set_title("D reward against KL (moving average of %d updates; dot: the end)" % w, fontsize=10)
    ax[0].legend(fontsize=8)
    for k, zoom in ((1, False), (2, True)):
        for r in runs:
            tm = [t for t in r["text_metrics"] if "nll_oracle" in t and "nll_test" in t]
            if not tm or (zoom and min(t["nll_oracle"] for t in tm) < 7):
                continue
            ax[k].plot([t["nll_test"] for t in tm], [t["nll_oracle"] for t in tm], marker="o", lw=1, ms=3,
                       color=colours[label(r)], label=once(label(r), k))
            if r["id"].endswith("__s1"):  # the temperatures, on seed 1's curves
                for t in tm:
                    ax[k].annotate("%g" % t["temperature"], (t["nll_test"], t["nll_oracle"]), fontsize=7)
        ax[k].set_xlabel("NLL-test (lower: covers the oracle's data)")
        ax[k].set_ylabel("NLL-oracle (lower: the oracle finds the samples likely)")
    ax[1].set_title("Frontier over temperatures (annotated), every run", fontsize=10)
    ax[2].set_title("The same without the run rewarded by the oracle itself", fontsize=10)
    ax[1].legend(fontsize=7, loc="center right")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "ppo_kl.png"), dpi=100)


def interp(curve, x):
    """y at x on a curve of (x, y) points sorted by x (linear; extrapolated from the end segments)"""
    c = sorted(curve)
    if len(c) < 2:
        return None
    for i in range(len(c) - 1):
        if x <= c[i + 1][0] or i == len(c) - 2:
            (x0, y0), (x1, y1) = c[i], c[i + 1]
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 != x0 else y0


def table(runs):
    import statistics as st
    groups = {}
    for r in runs:
        groups.setdefault(label(r), []).append(r)
    ms = lambda v: "%.3f ± %.3f" % (st.mean(v), st.stdev(v)) if len(v) > 1 else ("%.3f" % v[0] if v else "-")
    print("Per kind of run, mean ± standard deviation over seeds (n); reward: the mean of the first 10 updates, then")
    print("of the last 10; KL: the mean of the last 10 updates (per sequence);")
    print("NLL-oracle and NLL-test at temperature 1; vs MLE: the run's NLL-test minus the same seed's MLE NLL-test at")
    print("the same NLL-oracle (MLE's NLL-oracle rises with temperature: its curve interpolated), the best of the")
    print("run's temperatures inside MLE's range of NLL-oracle (negative: more coverage at equal quality, ahead).\n")
    print("| run | n | reward | KL | NLL-oracle (t=1) | NLL-test (t=1) | vs MLE: NLL-test at equal NLL-oracle |")
    print("|---|---|---|---|---|---|---|")
    mle = {r["id"].rsplit("__", 1)[1]: [(t["nll_oracle"], t["nll_test"]) for t in r["text_metrics"]]
           for r in runs if r["agent"] == "mle"}
    for name, rs in groups.items():
        rew0, rew, kl, no, nt, gap = [], [], [], [], [], []
        for r in rs:
            c, c0 = r["curve"][-10:], r["curve"][:10]
            if c:
                rew.append(sum(p["env_reward"] for p in c) / len(c))
                rew0.append(sum(p["env_reward"] for p in c0) / len(c0))
                if "kl" in c[0]:
                    kl.append(sum(p["kl"] for p in c) / len(c))
            t1 = [t for t in r["text_metrics"] if abs(t["temperature"] - 1.0) < 1e-9]
            if t1:
                no.append(t1[0]["nll_oracle"]), nt.append(t1[0]["nll_test"])
            seed = r["id"].rsplit("__", 1)[1]
            if r["agent"] != "mle" and seed in mle:
                lo, hi = min(x for x, _ in mle[seed]), max(x for x, _ in mle[seed])
                d = [t["nll_test"] - interp(mle[seed], t["nll_oracle"]) for t in r["text_metrics"]
                     if lo <= t["nll_oracle"] <= hi]
                if d:
                    gap.append(min(d))
        vs = (ms(gap) + ("" if len(gap) == len(rs) else " (%d of %d seeds in range)" % (len(gap), len(rs)))) if gap \
            else ("outside MLE's range" if name != "MLE" else "-")
        rw = "%s -> %s" % (ms(rew0), ms(rew)) if rew else "-"
        print("| %s | %d | %s | %s | %s | %s | %s |" % (name, len(rs), rw, ms(kl), ms(no), ms(nt), vs))


def main():
    args = [a for a in sys.argv[1:] if a not in ("--from-json", "--table-only")]
    if "--table-only" in sys.argv:  # the table alone, from the committed JSON (bench/results.py)
        out = args[0] if args else "bench/results/ppo_kl_oracle"
        table(json.load(open(os.path.join(out, "ppo_kl.json")))["runs"])
        return
    if "--from-json" in sys.argv:
        out = args[0] if args else "bench/results/ppo_kl_oracle"
    else:
        out = args[1] if len(args) > 1 else "bench/results/ppo_kl_oracle"
    os.makedirs(out, exist_ok=True)
    if "--from-json" in sys.argv:
        runs = json.load(open(os.path.join(out, "ppo_kl.json")))["runs"]
    else:
        runs = collect(args[0])
        json.dump({"suite": args[0], "runs": runs}, open(os.path.join(out, "ppo_kl.json"), "w"), indent=1)
    draw(runs, out)
    table(runs)


if __name__ == "__main__":
    main()
