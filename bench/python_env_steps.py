"""Python-side env steps/s: seqrl.make("CartPole-v1") and seqrl.make_vec("CartPole-v1", 64)
driven from Python, against the Gymnasium-style numpy CartPole of ../shared/peers
(torch_dqn_cartpole.py's CartPole class: Gymnasium's dynamics in Python, float32 observations),
in one run, rounds interleaved, medians reported. Every loop takes its actions from the same
pre-drawn list (so the action source costs the same everywhere); the peer is also timed as its
own script times it (rng.integers(2) per step). Prints one JSON line.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_env_steps.py [--rounds 5] [--steps 200000]
"""
import argparse
import importlib.util
import json
import os
import statistics
import time

import numpy as np

import seqrl

HERE = os.path.dirname(os.path.abspath(__file__))


def load_peer(shared):
    path = os.path.join(shared, "peers", "torch_dqn_cartpole.py")
    spec = importlib.util.spec_from_file_location("peer_cartpole", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.CartPole


def peer_steps(CartPole, actions):
    env = CartPole(0)
    env.reset()
    t0 = time.perf_counter()
    for a in actions:
        _, _, term, trunc, _ = env.step(a)
        if term or trunc:
            env.reset()
    return len(actions) / (time.perf_counter() - t0)


def peer_steps_own_rng(CartPole, n):
    env = CartPole(0)
    rng = np.random.default_rng(1)
    env.reset()
    t0 = time.perf_counter()
    for _ in range(n):
        _, _, term, trunc, _ = env.step(int(rng.integers(2)))
        if term or trunc:
            env.reset()
    return n / (time.perf_counter() - t0)


def seqrl_steps(actions):
    env = seqrl.make("CartPole-v1")
    env.reset(seed=0)
    step, reset = env.step, env.reset
    t0 = time.perf_counter()
    for a in actions:
        _, _, term, trunc, _ = step(a)
        if term or trunc:
            reset()
    return len(actions) / (time.perf_counter() - t0)


def seqrl_vec_steps(batches, copy):
    envs = seqrl.make_vec("CartPole-v1", batches.shape[1], copy=copy)
    envs.reset(seed=0)
    step = envs.step
    t0 = time.perf_counter()
    for a in batches:  # next-step autoreset: no reset calls
        step(a)
    return batches.size / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=200000, help="single-env steps per round")
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    args = p.parse_args()
    CartPole = load_peer(args.shared)
    rng = np.random.default_rng(0)
    actions = rng.integers(2, size=args.steps).tolist()
    batches = rng.integers(2, size=(max(1, 4 * args.steps // args.num_envs), args.num_envs))
    res = {k: [] for k in ["peer", "peer_own_rng", "seqrl", "seqrl_vec", "seqrl_vec_nocopy"]}
    for _ in range(args.rounds):
        res["peer"].append(peer_steps(CartPole, actions))
        res["peer_own_rng"].append(peer_steps_own_rng(CartPole, args.steps))
        res["seqrl"].append(seqrl_steps(actions))
        res["seqrl_vec"].append(seqrl_vec_steps(batches, copy=True))
        res["seqrl_vec_nocopy"].append(seqrl_vec_steps(batches, copy=False))
    med = {k: statistics.median(v) for k, v in res.items()}
    out = {"rounds": args.rounds, "steps_per_round": args.steps, "num_envs": args.num_envs,
           "steps_per_s_median": {k: round(v) for k, v in med.items()},
           "steps_per_s_min_max": {k: [round(min(v)), round(max(v))] for k, v in res.items()},
           "ratio_single_vs_peer": round(med["seqrl"] / med["peer"], 2),
           "ratio_vec_per_env_step_vs_peer": round(med["seqrl_vec"] / med["peer"], 1),
           "ratio_vec_nocopy_per_env_step_vs_peer": round(med["seqrl_vec_nocopy"] / med["peer"], 1)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
