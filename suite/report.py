#!/usr/bin/env python3
"""Plots and report.html of a `seqrl suite` folder (results.json, report.md), with matplotlib.

usage: python3 suite/report.py SUITE_DIR

Writes SUITE_DIR/plots/*.png and SUITE_DIR/report.html, a self-contained page (the PNGs are
embedded as base64) with the tables of report.md. matplotlib (Debian's python3-matplotlib) is used
because it is the library the field's own plots come from (rliable draws with it), it renders
bands (fill_between) and small multiples without a server, and Debian packages it.

Plots:
  - learning curves per env: the mean evaluation return over seeds against env steps, with a band
    from the lowest to the highest seed; a run that stopped early (solved) keeps its last value;
  - final returns per env: every seed as a dot, the IQM with its 95% bootstrap interval;
  - normalised scores aggregated across envs (IQM with its interval), per agent;
  - quality-diversity frontiers of the text runs (one point per sampling temperature, mean over
    seeds): NLL-oracle against NLL-test on the oracle task, BLEU-5 against Self-BLEU-5 on COCO,
    grammaticality against Self-BLEU-5 on the grammar (Caccia et al., "Language GANs falling short").
"""
import base64
import html
import json
import os
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402


def wrap(title, width=44):
    """A long env title (an id with its options) on several lines, so that it fits its plot."""
    return "\n".join(textwrap.wrap(title, width, break_on_hyphens=False)) or title

COLORS = {"dqn": "#1f77b4", "reinforce": "#ff7f0e", "random": "#7f7f7f", "mle": "#2ca02c",
          "seqgan": "#d62728", "leakgan": "#9467bd", "ppo": "#8c564b", "a2c": "#e377c2"}


def color(agent):
    # a label with options ("ppo {\"beta\": 0.5}") gets matplotlib's next colour, apart from its siblings
    return COLORS.get(agent, None)


def label(r):
    """What the report compares: the agent, with the options that tell its runs apart (seqrl suite's label)."""
    return r.get("label", r["agent"])


def env_label(row):
    """A run's or a statistics entry's env, with its options when it has any."""
    opts = row.get("env_options") or {}
    return row["env"] + ("" if not opts else " " + json.dumps(opts, sort_keys=True, separators=(",", ":")))


def curves_plot(rows, path):
    envs = sorted({env_label(r) for r in rows})
    n = len(envs)
    cols = min(3, n)
    nrows = (n + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(5 * cols, 3.6 * nrows), squeeze=False)
    for ax, env in zip(axes.flat, envs):
        by_agent = {}
        for r in rows:
            if env_label(r) == env and r.get("curve"):
                by_agent.setdefault(label(r), []).append(r["curve"])
        for agent, curves in sorted(by_agent.items()):
            end = max(c[-1][0] for c in curves)
            grid = np.linspace(0, end, 60)
            ys = []
            for c in curves:
                s = np.array([p[0] for p in c], float)
                v = np.array([p[1] for p in c], float)
                # before the first evaluation: no value; after the last (an early stop): its last value
                y = np.interp(grid, s, v, left=np.nan, right=v[-1])
                ys.append(y)
            ys = np.array(ys)
            ok = ~np.all(np.isnan(ys), axis=0)
            if not ok.any():
                continue
            m = np.nanmean(ys[:, ok], axis=0)
            ax.plot(grid[ok], m, color=color(agent), label=f"{agent} (n={len(curves)})", lw=2)
            if len(curves) > 1:
                ax.fill_between(grid[ok], np.nanmin(ys[:, ok], axis=0), np.nanmax(ys[:, ok], axis=0),
                                color=color(agent), alpha=0.18, lw=0)
            if len(grid[ok]) == 1:
                ax.scatter(grid[ok], m, color=color(agent))
        ax.set_title(wrap(env), fontsize=10)
        ax.set_xlabel("env steps")
        ax.xaxis.set_major_locator(MaxNLocator(5))  # six-digit step counts collide at the default density
        ax.set_ylabel("eval return")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    # wrapped to the figure's width (about 9 characters per inch at size 11): one panel is 4 inches
    fig.suptitle(wrap("Learning curves: mean over seeds, band = lowest to highest seed", int(9 * fig.get_figwidth())), fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def finals_plot(res, path):
    stats = res["stats"]
    envs = sorted({env_label(e) for e in stats})
    n = len(envs)
    cols = min(4, n)
    nrows = (n + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(4 * cols, 3.2 * nrows), squeeze=False)
    for ax, env in zip(axes.flat, envs):
        es = [e for e in stats if env_label(e) == env]
        for i, e in enumerate(sorted(es, key=lambda e: e["agent"])):
            pts = [r["return"] for r in res["rows"] if label(r) == e["agent"] and env_label(r) == env]
            ax.scatter([i] * len(pts), pts, color=color(e["agent"]), alpha=0.5, s=18)
            q = e["return"]["iqm"]
            ax.errorbar([i + 0.18], [q["value"]], yerr=[[q["value"] - q["lo"]], [q["hi"] - q["value"]]],
                        fmt="D", color=color(e["agent"]), capsize=3, ms=5)
        ax.set_xticks(range(len(es)))
        ax.set_xticklabels([f"{e['agent']}\nn={e['seeds']}" for e in sorted(es, key=lambda e: e["agent"])], fontsize=8)
        ax.set_title(wrap(env), fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(wrap("Final return: seeds (dots), IQM with 95% bootstrap CI (diamond)", int(9 * fig.get_figwidth())), fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def aggregate_plot(res, path):
    agg = res["aggregate"]
    fig, ax = plt.subplots(figsize=(7, max(2.4, 1.0 + 0.55 * len(agg))))
    for i, a in enumerate(sorted(agg, key=lambda a: a["iqm"]["value"])):
        q = a["iqm"]
        ax.errorbar([q["value"]], [i], xerr=[[q["value"] - q["lo"]], [q["hi"] - q["value"]]], fmt="o",
                    color=color(a["agent"]), capsize=4)
        ax.text(q["hi"] + 0.02, i, f"{q['value']:.2f}  ({a['envs']} envs, {a['runs']} runs)", va="center", fontsize=8)
    ax.set_yticks(range(len(agg)))
    ax.set_yticklabels([a["agent"] for a in sorted(agg, key=lambda a: a["iqm"]["value"])])
    ax.axvline(0, color="#999", lw=0.8)
    ax.axvline(1, color="#999", lw=0.8, ls="--")
    ax.set_xlabel("normalised score IQM (random = 0, threshold = 1)\nbars: 95% stratified bootstrap CI")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def qd_plots(rows, outdir):
    """One frontier plot per text env with a sweep; returns [(title, path)]."""
    made = []
    envs = sorted({env_label(r) for r in rows if r.get("text_sweep")})
    for env in envs:
        sweeps = {}
        for r in rows:
            if env_label(r) == env and r.get("text_sweep"):
                sweeps.setdefault(label(r), []).append(r["text_sweep"])
        first = next(iter(sweeps.values()))[0][0]
        if "nll_oracle" in first:
            x, y, xl, yl = "nll_test", "nll_oracle", "NLL-test (held-out oracle samples; lower = covers the data)", "NLL-oracle (lower = better quality)"
        elif "bleu5" in first:
            x, y, xl, yl = "selfbleu5", "bleu5", "Self-BLEU-5 (lower = more diverse)", "BLEU-5 against the test set"
        elif "grammatical" in first:
            x, y, xl, yl = "selfbleu5", "grammatical", "Self-BLEU-5 (lower = more diverse)", "grammatical share"
        else:
            continue
        curves = {}
        for agent, ss in sorted(sweeps.items()):
            temps = [m["temperature"] for m in ss[0]]
            xs = np.array([[m[x] for m in s] for s in ss], float).mean(axis=0)
            ys = np.array([[m[y] for m in s] for s in ss], float).mean(axis=0)
            curves[agent] = (temps, xs, ys, len(ss))
        # An agent far from the others (REINFORCE from scratch next to the language models) squashes
        # the rest into a corner: then a second panel zooms on the agents near the median.
        near = list(curves)
        if len(curves) >= 3:
            allx = np.concatenate([c[1] for c in curves.values()])
            ally = np.concatenate([c[2] for c in curves.values()])
            cx = np.median([np.nanmean(c[1]) for c in curves.values()])
            cy = np.median([np.nanmean(c[2]) for c in curves.values()])
            rx, ry = np.nanmax(allx) - np.nanmin(allx), np.nanmax(ally) - np.nanmin(ally)
            near = [a for a, c in curves.items()
                    if abs(np.nanmean(c[1]) - cx) <= 0.3 * rx and abs(np.nanmean(c[2]) - cy) <= 0.3 * ry]
        zoom = 2 <= len(near) < len(curves)
        fig, axes = plt.subplots(1, 2 if zoom else 1, figsize=(11.5 if zoom else 6.2, 4.6), squeeze=False)
        for k, ax in enumerate(axes[0]):
            for agent, (temps, xs, ys, n) in curves.items():
                if k == 1 and agent not in near:
                    continue
                ax.plot(xs, ys, "-o", color=color(agent), label=f"{agent} (n={n})", ms=4)
                for t, a, b in zip(temps, xs, ys):
                    ax.annotate(f"{t:g}", (a, b), fontsize=7, xytext=(3, 3), textcoords="offset points")
            ax.set_xlabel(xl)
            ax.set_ylabel(yl)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
            if k == 1:
                far = ", ".join(a for a in curves if a not in near)
                ax.set_title(wrap(f"zoomed: without {far}", 50), fontsize=9)
        title = f"{wrap(env, 60)}\nquality-diversity over the sampling temperature"
        if zoom:
            fig.suptitle(title, fontsize=9)
        else:
            axes[0][0].set_title(title, fontsize=9)
        fig.tight_layout()
        p = os.path.join(outdir, "qd_" + "".join(c if c.isalnum() else "_" for c in env) + ".png")
        fig.savefig(p, dpi=90)
        plt.close(fig)
        made.append((f"Quality-diversity frontier: {env} (numbers: temperature)", p))
    return made


def md_to_html(md):
    """report.md's headings, paragraphs, lists and pipe tables as HTML."""
    out, table, para = [], [], []

    def flush_table():
        if table:
            out.append("<table>")
            for i, row in enumerate(table):
                if i == 1:
                    continue
                cells = [c.strip() for c in row.strip().strip("|").split("|")]
                tag = "th" if i == 0 else "td"
                out.append("<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>")
            out.append("</table>")
            table.clear()

    def flush_para():
        if para:
            out.append("<p>" + html.escape(" ".join(para)) + "</p>")
            para.clear()

    for line in md.splitlines():
        if line.startswith("|"):
            flush_para()
            table.append(line)
            continue
        flush_table()
        if line.startswith("#"):
            flush_para()
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line.lstrip('#').strip())}</h{level}>")
        elif line.startswith("- "):
            flush_para()
            out.append(f"<li>{html.escape(line[2:])}</li>")
        elif not line.strip():
            flush_para()
        else:
            para.append(line)
    flush_table()
    flush_para()
    return "\n".join(out)


def main():
    # the scores in rliable's layout beside the report (suite/rliable_scores.py, numpy only)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import rliable_scores  # noqa: E402
    rliable_scores.export(sys.argv[1])
    d = sys.argv[1]
    res = json.load(open(os.path.join(d, "results.json")))
    md = open(os.path.join(d, "report.md")).read()
    pd = os.path.join(d, "plots")
    os.makedirs(pd, exist_ok=True)
    figs = []
    rows = res["rows"]
    if any(r.get("curve") for r in rows):
        p = os.path.join(pd, "curves.png")
        curves_plot(rows, p)
        figs.append(("Learning curves", p))
    if res["stats"]:
        p = os.path.join(pd, "finals.png")
        finals_plot(res, p)
        figs.append(("Final returns per env", p))
    if res["aggregate"]:
        p = os.path.join(pd, "aggregate.png")
        aggregate_plot(res, p)
        figs.append(("Normalised scores across envs", p))
    figs += qd_plots(rows, pd)
    parts = []
    for title, p in figs:
        b64 = base64.b64encode(open(p, "rb").read()).decode()
        parts.append(f"<h2>{html.escape(title)}</h2>\n<img src=\"data:image/png;base64,{b64}\" alt=\"{html.escape(title)}\">")
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>seqrl suite {html.escape(res['suite'].get('name', ''))}</title>
<style>
body {{ font-family: sans-serif; max-width: 1250px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 13px; }}
td, th {{ border: 1px solid #ccc; padding: 3px 8px; text-align: right; }}
th {{ background: #f0f0f0; }}
td:first-child, td:nth-child(2) {{ text-align: left; }}
img {{ max-width: 100%; border: 1px solid #eee; }}
</style></head><body>
{md_to_html(md)}
{''.join(parts)}
</body></html>
"""
    with open(os.path.join(d, "report.html.tmp"), "w") as f:
        f.write(page)
    os.replace(os.path.join(d, "report.html.tmp"), os.path.join(d, "report.html"))
    print(f"report.py: {len(figs)} plots into {os.path.join(d, 'report.html')}", file=sys.stderr)


if __name__ == "__main__":
    main()
