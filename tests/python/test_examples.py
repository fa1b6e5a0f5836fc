"""The PyTorch examples on seqrl's envs, in a short form (Debian's python3-torch): a CleanRL-style
DQN on CartPole-v1 and REINFORCE on TextGrammar-v0 must learn something a random policy does not.
The full runs (DQN to >= 475) and their figures are in docs/python.md.
usage: PYTHONPATH=build/python /usr/bin/python3 -m unittest tests/python/test_examples.py
"""
import importlib.util
import json
import os
import subprocess
import sys
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def run(script, *args):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "python", script), *args], check=True,
                         capture_output=True, text=True, timeout=600).stdout
    return json.loads(out.strip().splitlines()[-1])


@unittest.skipIf(importlib.util.find_spec("torch") is None, "PyTorch is absent (Debian's python3-torch)")
class Examples(unittest.TestCase):
    def test_dqn_cartpole_short(self):
        # 30,000 steps (CleanRL's settings but a 1,000-step warm-up): a random policy lasts ~22 steps
        r = run("dqn_cartpole.py", "--seed", "1", "--total-timesteps", "30000", "--learning-starts", "1000",
                "--eval-every", "10000", "--stop-at", "1e9")
        self.assertEqual(r["steps"], 30000)
        self.assertGreater(r["final_greedy_mean_return"], 100.0, r)

    def test_reinforce_text_short(self):
        # 80 updates of 2,048 episodes; the random writer is grammatical ~2 times in 100,000
        r = run("reinforce_text.py", "--seed", "1", "--iterations", "80", "--report-every", "1000")
        self.assertLess(r["grammatical_rate_random_policy"], 0.01, r)
        self.assertGreater(r["grammatical_rate_trained"], 0.5, r)


if __name__ == "__main__":
    unittest.main()
