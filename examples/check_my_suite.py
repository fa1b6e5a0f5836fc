"""Checks what examples/new_agent made of examples/my_suite.json: the user's agent solved the
deterministic FrozenLake on both seeds, and the text runs were rewarded by the user's reward model
(evaluated again with 0.3 instead of 0.1 per token, the same policy's return is three times as
large; the grammar's own reward is 0 or 1 per sentence).
usage: check_my_suite.py NEW_AGENT SUITE_DIR"""
import json
import subprocess
import sys

prog, out = sys.argv[1], sys.argv[2]
rows = json.load(open(out + "/results.json"))["rows"]
q = [r for r in rows if r["agent"] == "qlearning"]
assert len(q) == 2 and all(abs(r["return"] - 1.0) < 1e-9 for r in q), q
text = [r for r in rows if r["agent"] == "reinforce"]
assert len(text) == 2 and all(r["env_options"] == {"reward_model": "length:0.1"} for r in text), text


def eval_return(run, per_token):
    res = subprocess.run([prog, "eval", "--checkpoint", f"{out}/runs/{run['id']}", "--episodes", "5",
                          "--env-options", json.dumps({"reward_model": f"length:{per_token}"})],
                         check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])["final_eval"]["return_mean"]


for r in text:
    a, b = eval_return(r, 0.1), eval_return(r, 0.3)
    assert a > 0 and abs(b - 3 * a) < 1e-9, (r["id"], a, b)
print("my_suite: qlearning solved FrozenLake on 2/2 seeds; reinforce's returns under length:0.1 and 0.3:",
      [(eval_return(r, 0.1), eval_return(r, 0.3)) for r in text])
