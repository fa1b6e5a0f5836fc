#!/usr/bin/python3
"""Writes tests/env/data/cartpole_golden.json: CartPole observations from Gymnasium's own step().

usage: /usr/bin/python3 tests/env/gen_cartpole_golden.py PATH/TO/cartpole.py > tests/env/data/cartpole_golden.json

PATH/TO/cartpole.py is Gymnasium's gymnasium/envs/classic_control/cartpole.py, or a file holding
its CartPoleEnv physics (constants and step()) verbatim; this script imports CartPoleEnv from it,
sets fixed float64 initial states, applies fixed action sequences and records every float32
observation as its bit pattern (so the C++ test compares exactly), reward and terminated flag.
"""
import importlib.util
import json
import sys

import numpy as np

spec = importlib.util.spec_from_file_location("cartpole_ref", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)

cases = []
rng = np.random.RandomState(20261124)
for case in range(4):
    env = mod.CartPoleEnv()
    init = rng.uniform(-0.05, 0.05, size=4) if case < 3 else np.array([0.0, 0.0, 0.2, 0.0])
    env.state = tuple(float(v) for v in init)
    if case == 1:
        actions = [1] * 200  # pushes one way until the cart or pole fails
    elif case == 2:
        actions = [t % 2 for t in range(200)]  # alternating: a long balanced trajectory
    else:
        actions = [int(a) for a in rng.randint(0, 2, size=200)]
    obs, rewards, terms = [], [], []
    for a in actions:
        o, r, term, trunc, _ = env.step(a)
        obs.append([int(v) for v in o.view(np.uint32)])
        rewards.append(r)
        terms.append(term)
        if term:
            break
    cases.append({"initial_state": [float(v) for v in init], "actions": actions[:len(obs)],
                  "observation_bits": obs, "rewards": rewards, "terminated": terms})
json.dump({"source": "Gymnasium cartpole.py CartPoleEnv.step (Euler)", "cases": cases}, sys.stdout)
