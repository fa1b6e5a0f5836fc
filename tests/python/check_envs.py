"""Gymnasium's env-checker rules (gymnasium/utils/env_checker.py: check_env and the passive
checks) applied to every registered seqrl id through the Python module:
  - reset returns (obs, info) with obs in the observation space and info a dict;
  - reset(seed=s) twice gives the same observation, reset() after it still gives a valid one,
    and reset(options={}) is accepted;
  - step determinism: two envs reset with the same seed and stepped with the same sampled
    actions return the same observations, rewards, flags and infos;
  - step returns (obs, reward, terminated, truncated, info) with obs in the space, a float reward,
    bool flags and a dict; the observation's dtype is the space's;
  - action_space.sample() is in the action space and a seeded action space repeats its samples.
usage: PYTHONPATH=build/python /usr/bin/python3 tests/python/check_envs.py [SHARED_DIR]
"""
import os
import pickle
import sys

import numpy as np

import seqrl

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared")


def options_for(env_id):
    if env_id == "TextCoco-v0":
        corpus = os.path.join(SHARED, "data", "coco", "image_coco.txt")
        if not os.path.exists(corpus):
            return None
        return {"corpus": corpus}
    if env_id == "TextCorpus-v0":
        return {"corpus": os.path.join(HERE, "..", "env", "data", "corpus.txt")}
    if env_id == "TextOracle-v0":
        return {"vocab": 200}  # the default 5000 works too; smaller keeps the check quick
    return {}


def check_obs(env, obs, where):
    space = env.observation_space
    assert space.contains(obs), f"{where}: the observation {obs!r} is not in {space!r}"
    if isinstance(obs, np.ndarray):
        assert obs.dtype == space.dtype, f"{where}: observation dtype {obs.dtype}, space dtype {space.dtype}"
    else:
        assert isinstance(obs, (int, np.integer)), f"{where}: a Discrete observation should be an int, got {type(obs)}"


def check(env_id, options):
    env = seqrl.make(env_id, **options)
    res = env.reset(seed=123)
    assert isinstance(res, tuple) and len(res) == 2, "reset must return (obs, info)"
    obs, info = res
    check_obs(env, obs, "reset")
    assert isinstance(info, dict), f"reset info must be a dict, got {type(info)}"
    obs2, _ = env.reset(seed=123)
    assert pickle.dumps(obs) == pickle.dumps(obs2), "reset(seed=123) twice gave different observations"
    check_obs(env, env.reset()[0], "reset() after a seeded reset")
    check_obs(env, env.reset(options={})[0], "reset(options={})")

    a, b = seqrl.make(env_id, **options), seqrl.make(env_id, **options)
    a.action_space.seed(123)
    b.action_space.seed(123)
    a.reset(seed=123)
    b.reset(seed=123)
    for t in range(60):
        act_a, act_b = a.action_space.sample(), b.action_space.sample()
        assert pickle.dumps(act_a) == pickle.dumps(act_b), "a seeded action space did not repeat its samples"
        assert a.action_space.contains(act_a), f"action_space.sample() gave {act_a!r}, not in {a.action_space!r}"
        ra, rb = a.step(act_a), b.step(act_b)
        assert isinstance(ra, tuple) and len(ra) == 5, "step must return 5 values"
        obs, reward, terminated, truncated, info = ra
        check_obs(a, obs, f"step {t}")
        assert isinstance(reward, float) and np.isfinite(reward), f"step {t}: reward {reward!r}"
        assert isinstance(terminated, bool) and isinstance(truncated, bool), f"step {t}: flags must be bool"
        assert isinstance(info, dict), f"step {t}: info must be a dict"
        assert pickle.dumps(ra) == pickle.dumps(rb), f"step {t}: two envs with the same seed and actions differ"
        if terminated or truncated:
            a.reset()
            b.reset()
    assert env.render() is None
    env.close()


def main():
    passed = failed = skipped = 0
    for env_id in sorted(seqrl.registry()):
        options = options_for(env_id)
        if options is None:
            print(f"skip {env_id}: ../shared/data/coco is absent")
            skipped += 1
            continue
        try:
            check(env_id, options)
            print(f"ok   {env_id}")
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every id, then fail
            print(f"FAIL {env_id}: {type(e).__name__}: {e}")
            failed += 1
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
