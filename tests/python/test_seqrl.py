"""The seqrl Python package: Gymnasium's API shape, seeding, equality with the C++ env, vector
envs, text envs, scoring, and errors that come through as Python exceptions.
usage: PYTHONPATH=build/python SEQRL_BIN=build/seqrl /usr/bin/python3 -m unittest tests/python/test_seqrl.py
"""
import json
import os
import pickle
import subprocess
import tempfile
import threading
import time
import unittest
import weakref

import numpy as np

import seqrl

SEQRL_BIN = os.environ.get("SEQRL_BIN", "build/seqrl")


def trajectory(env, seed, actions):
    obs, _ = env.reset(seed=seed)
    out = [obs]
    for a in actions:
        obs, r, term, trunc, _ = env.step(a)
        out.append((obs, r, term, trunc))
        if term or trunc:
            break
    return out


class ApiShape(unittest.TestCase):
    def test_reset_and_step_types(self):
        env = seqrl.make("CartPole-v1")
        obs, info = env.reset(seed=0)
        self.assertIsInstance(obs, np.ndarray)
        self.assertEqual(obs.dtype, np.float32)
        self.assertEqual(obs.shape, (4,))
        self.assertIsInstance(info, dict)
        res = env.step(1)
        self.assertEqual(len(res), 5)
        obs, reward, terminated, truncated, info = res
        self.assertEqual(obs.shape, (4,))
        self.assertIsInstance(reward, float)
        self.assertIsInstance(terminated, bool)
        self.assertIsInstance(truncated, bool)
        self.assertIsInstance(info, dict)
        self.assertTrue(env.observation_space.contains(obs))
        self.assertIn(obs, env.observation_space)

    def test_spaces_have_gymnasiums_attributes(self):
        env = seqrl.make("CartPole-v1")
        a = env.action_space
        self.assertEqual((a.n, a.start, a.shape, a.dtype), (2, 0, (), np.dtype("int64")))
        o = env.observation_space
        self.assertEqual(o.shape, (4,))
        self.assertEqual(o.dtype, np.dtype("float32"))
        self.assertEqual(o.low.shape, (4,))
        self.assertTrue(np.all(o.high >= o.low))
        self.assertTrue(o.is_bounded())  # float32 max, as Gymnasium bounds the velocities
        self.assertEqual(a.seed(3), 3)
        xs = [int(a.sample()) for _ in range(20)]
        a.seed(3)
        self.assertEqual(xs, [int(a.sample()) for _ in range(20)])
        self.assertIsInstance(a.sample(), np.int64)
        self.assertEqual({int(a.sample(mask=np.array([0, 1], dtype=np.int8))) for _ in range(20)}, {1})
        self.assertTrue(a.contains(1) and a.contains(np.int64(0)))
        self.assertFalse(a.contains(2) or a.contains(-1) or a.contains(0.5))
        self.assertEqual(env.action_space, env.action_space)  # the same object every time
        self.assertIs(env.action_space, env.action_space)
        md = seqrl.MultiDiscrete([3, 4])
        self.assertEqual(list(md.nvec), [3, 4])
        self.assertTrue(md.contains(md.sample()))
        box = seqrl.Box(-1.0, 1.0, shape=(2, 3))
        self.assertEqual(box.shape, (2, 3))
        self.assertTrue(box.contains(box.sample()))
        self.assertFalse(box.contains(np.full((2, 3), 2.0, dtype=np.float32)))
        d = seqrl.Discrete(3, start=-1)
        self.assertTrue(d.contains(-1) and not d.contains(2))

    def test_spec_render_close_context_manager(self):
        with seqrl.make("CartPole-v1") as env:
            self.assertEqual(env.spec.id, "CartPole-v1")
            self.assertEqual(env.spec.max_episode_steps, 500)
            self.assertEqual(env.spec.reward_threshold, 475.0)
            self.assertIsNone(env.render())
            self.assertIs(env.unwrapped, env)
        self.assertTrue(env.closed)
        self.assertEqual(seqrl.make("CartPole-v1", max_episode_steps=7).spec.max_episode_steps, 7)
        reg = seqrl.registry()
        self.assertIn("TextOracle-v0", reg)
        self.assertIn("seq_len", [o["key"] for o in reg["TextOracle-v0"].options])

    def test_time_limit_truncates(self):
        env = seqrl.make("CartPole-v1", max_episode_steps=5)
        env.reset(seed=1)
        flags = [env.step(i % 2)[3] for i in range(5)]
        self.assertEqual(flags, [False] * 4 + [True])


class Seeding(unittest.TestCase):
    def test_same_seed_same_episode(self):
        acts = [i % 2 for i in range(40)]
        for env_id in ["CartPole-v1", "Acrobot-v1", "FrozenLake-v1", "TextGrammar-v0"]:
            a, b = seqrl.make(env_id), seqrl.make(env_id)
            n = a.action_space.n
            ta, tb = trajectory(a, 7, [x % n for x in acts]), trajectory(b, 7, [x % n for x in acts])
            self.assertEqual(len(ta), len(tb), env_id)
            for x, y in zip(ta, tb):
                self.assertEqual(pickle.dumps(x), pickle.dumps(y), env_id)
            self.assertEqual(pickle.dumps(trajectory(a, 7, acts[:3])[0]), pickle.dumps(ta[0]))

    def test_different_seeds_differ(self):
        env = seqrl.make("CartPole-v1")
        self.assertFalse(np.array_equal(env.reset(seed=1)[0], env.reset(seed=2)[0]))


class SameAsCpp(unittest.TestCase):
    def test_cartpole_trajectory_equals_the_cpp_env(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.jsonl")
            subprocess.run([SEQRL_BIN, "rollout", "--env", "CartPole-v1", "--policy", "random", "--seed", "5",
                            "--out", path], check=True, capture_output=True)
            with open(path) as f:
                lines = [json.loads(x) for x in f]
        self.assertGreater(len(lines), 5)
        env = seqrl.make("CartPole-v1")
        obs, _ = env.reset(seed=5)
        for ln in lines:
            np.testing.assert_array_equal(obs, np.array(ln["observation"], dtype=np.float32))
            obs, r, term, trunc, _ = env.step(ln["action"])
            np.testing.assert_array_equal(obs, np.array(ln["next_observation"], dtype=np.float32))
            self.assertEqual((r, term, trunc), (ln["reward"], ln["terminated"], ln["truncated"]))


class Errors(unittest.TestCase):
    def test_invalid_action(self):
        env = seqrl.make("CartPole-v1")
        env.reset(seed=0)
        for bad in [2, -1, 0.5, "left", None, np.array([0, 1])]:
            with self.assertRaises(seqrl.InvalidAction, msg=repr(bad)) as cm:
                env.step(bad)
            self.assertIsInstance(cm.exception, ValueError)
            self.assertIsInstance(cm.exception, seqrl.Error)
        with self.assertRaisesRegex(seqrl.InvalidAction, "Discrete"):
            env.step(7)

    def test_step_before_reset_and_after_the_end(self):
        env = seqrl.make("CartPole-v1")
        with self.assertRaises(seqrl.ResetNeeded):
            env.step(0)
        env.reset(seed=0)
        done = False
        while not done:
            _, _, term, trunc, _ = env.step(0)
            done = term or trunc
        with self.assertRaisesRegex(seqrl.ResetNeeded, "reset"):
            env.step(0)

    def test_bad_ids_options_and_seeds(self):
        with self.assertRaisesRegex(KeyError, "CartPole-v1"):
            seqrl.make("CartPol-v1")
        with self.assertRaisesRegex(seqrl.Error, "seq_lne"):
            seqrl.make("TextOracle-v0", seq_lne=20)
        with self.assertRaisesRegex(seqrl.Error, "seq_len"):
            seqrl.make("TextOracle-v0", seq_len="twenty")
        with self.assertRaisesRegex(seqrl.Error, "seq_len"):
            seqrl.make("TextOracle-v0", seq_len=0)
        with self.assertRaises(ValueError):
            seqrl.make("CartPole-v1", max_episode_steps=object())
        env = seqrl.make("CartPole-v1")
        for bad in [-1, "x", 1.5, 2**64]:
            with self.assertRaises(ValueError, msg=repr(bad)):
                env.reset(seed=bad)
        env.reset(seed=2**64 - 1)  # the largest seed
        for bad in [-1, 0, 2.0, True]:
            with self.assertRaisesRegex(ValueError, "num_envs", msg=repr(bad)):
                seqrl.make_vec("CartPole-v1", bad)
        with self.assertRaises(seqrl.Error):
            seqrl.make("TextCoco-v0", corpus="/nonexistent/captions.txt")

    def test_vector_errors(self):
        envs = seqrl.make_vec("CartPole-v1", 3)
        envs.reset(seed=0)
        with self.assertRaisesRegex(seqrl.InvalidAction, "3"):
            envs.step(np.zeros(2, dtype=np.int64))
        with self.assertRaises(seqrl.InvalidAction):
            envs.step(np.array([0, 5, 0]))
        with self.assertRaises(ValueError):
            seqrl.make_vec("CartPole-v1", 0)


class Vector(unittest.TestCase):
    def test_batched_and_equal_to_single_envs_with_next_step_autoreset(self):
        n = 4
        envs = seqrl.make_vec("CartPole-v1", n)
        singles = [seqrl.make("CartPole-v1") for _ in range(n)]
        obs, infos = envs.reset(seed=10)
        self.assertEqual(obs.shape, (n, 4))
        self.assertEqual(obs.dtype, np.float32)
        self.assertEqual(infos, {})
        expect = np.stack([s.reset(seed=10 + i)[0] for i, s in enumerate(singles)])
        np.testing.assert_array_equal(obs, expect)
        rng = np.random.default_rng(0)
        pending = [False] * n
        resets = 0
        for _ in range(300):
            a = rng.integers(2, size=n)
            obs, rew, term, trunc, _ = envs.step(a)
            self.assertEqual((rew.dtype, term.dtype, trunc.dtype), (np.float64, np.bool_, np.bool_))
            for i, s in enumerate(singles):
                if pending[i]:  # next-step autoreset: this step only resets sub-env i
                    o, _ = s.reset()
                    r, te, tr = 0.0, False, False
                    pending[i] = False
                    resets += 1
                else:
                    o, r, te, tr, _ = s.step(int(a[i]))
                    pending[i] = te or tr
                np.testing.assert_array_equal(obs[i], o)
                self.assertEqual((rew[i], term[i], trunc[i]), (r, te, tr))
        self.assertGreater(resets, 4)

    def test_reset_options_go_to_every_sub_env(self):
        # as Gymnasium's SyncVectorEnv: the same options for each sub-env's reset
        n = 3
        envs = seqrl.make_vec("CartPole-v1", n)
        opts = {"low": -0.001, "high": 0.001}
        obs, _ = envs.reset(seed=5, options=opts)
        self.assertTrue(np.all(np.abs(obs) <= 0.001))
        for i in range(n):
            single = seqrl.make("CartPole-v1")
            np.testing.assert_array_equal(obs[i], single.reset(seed=5 + i, options=opts)[0])
        with self.assertRaisesRegex(ValueError, "low"):
            envs.reset(options={"low": 1.0, "high": -1.0})
        with self.assertRaises(ValueError):
            envs.reset(options=[1, 2])

    def test_every_action_form_steps_alike(self):
        # int64 arrays are read in place; lists, other dtypes, strided views and big-endian
        # arrays are converted first: all must step the same
        n = 5
        rng = np.random.default_rng(1)
        acts = rng.integers(2, size=(40, n))
        forms = [lambda a: a, lambda a: a.tolist(), lambda a: a.astype(np.int32), lambda a: a.astype(np.uint8),
                 lambda a: np.repeat(a, 2)[::2], lambda a: a.astype(">i8"), lambda a: tuple(int(x) for x in a)]
        results = []
        for form in forms:
            envs = seqrl.make_vec("CartPole-v1", n)
            envs.reset(seed=4)
            results.append([envs.step(form(a))[:4] for a in acts])
        for other in results[1:]:
            for x, y in zip(results[0], other):
                for u, v in zip(x, y):
                    np.testing.assert_array_equal(u, v)
        envs = seqrl.make_vec("CartPole-v1", n)
        envs.reset(seed=4)
        with self.assertRaises(seqrl.InvalidAction):
            envs.step(np.zeros((n, 1), dtype=np.int64))  # 2-D
        with self.assertRaises(seqrl.InvalidAction):
            envs.step(np.array([0, 1, 2, 0, 1], dtype=np.int64))  # 2 is not an action
        with self.assertRaises(seqrl.InvalidAction):
            envs.step(np.array([0, 1, -1, 0, 1], dtype=">i8"))

    def test_copy_true_arrays_are_never_written_while_reachable(self):
        # copy=True reuses result arrays nothing references any more (ArrayPool); anything a
        # caller can still reach (the array, a view, a weak reference) must keep its values
        n = 6
        envs = seqrl.make_vec("CartPole-v1", n)
        envs.reset(seed=2)
        rng = np.random.default_rng(3)
        kept, saved = [], []
        for t in range(60):
            res = envs.step(rng.integers(2, size=n))
            if t % 7 == 0:  # hold a whole result
                kept.append(res)
                saved.append(tuple(np.array(x, copy=True) for x in res[:4]))
            elif t % 7 == 1:  # hold views of the arrays only
                kept.append(tuple(x[:] for x in res[:4]))
                saved.append(tuple(np.array(x, copy=True) for x in res[:4]))
        for k, s in zip(kept, saved):
            for x, y in zip(k[:4], s):
                np.testing.assert_array_equal(x, y)
        # only a weak reference: the array is freed or left as it was
        res = envs.step(np.zeros(n, dtype=np.int64))
        weak = [weakref.ref(x) for x in res[:4]]
        copies = [np.array(x, copy=True) for x in res[:4]]
        del res
        for _ in range(4):
            envs.step(np.ones(n, dtype=np.int64))
        for w, c in zip(weak, copies):
            if w() is not None:
                np.testing.assert_array_equal(w(), c)
        # arrays reshaped or retyped in place, then dropped, are not handed out again as they are
        obs, rew, term, trunc, _ = envs.step(np.zeros(n, dtype=np.int64))
        obs.shape = (n * 4,)
        rew.dtype = np.int64
        del obs, rew, term, trunc
        for _ in range(3):
            obs, rew, term, trunc, _ = envs.step(np.zeros(n, dtype=np.int64))
            self.assertEqual((obs.shape, obs.dtype, rew.shape, rew.dtype), ((n, 4), np.float32, (n,), np.float64))
            del obs, rew, term, trunc

    def test_single_env_observations_are_never_written_while_reachable(self):
        # one env's observation arrays come from the same kind of pool (float32 and int64 ones)
        for env_id in ["CartPole-v1", "TextGrammar-v0"]:
            env = seqrl.make(env_id)
            obs, _ = env.reset(seed=1)
            kept, saved = [obs], [obs.copy()]
            rng = np.random.default_rng(0)
            for t in range(80):
                obs, _, term, trunc, _ = env.step(int(rng.integers(env.action_space.n)))
                if t % 5 == 0:
                    kept.append(obs)
                    saved.append(obs.copy())
                if t % 5 == 1:
                    kept.append(obs[:1])  # a view keeps its base
                    saved.append(obs[:1].copy())
                if term or trunc:
                    obs, _ = env.reset()
            for k, s in zip(kept, saved):
                np.testing.assert_array_equal(k, s)

    def test_threaded_equals_sync_and_copy_false_is_written_in_place(self):
        a = seqrl.make_vec("CartPole-v1", 8)
        b = seqrl.make_vec("CartPole-v1", 8, threaded=True)
        c = seqrl.make_vec("CartPole-v1", 8, copy=False)
        oa, ob, oc = a.reset(seed=3)[0], b.reset(seed=3)[0], c.reset(seed=3)[0]
        np.testing.assert_array_equal(oa, ob)
        np.testing.assert_array_equal(oa, oc)
        first = oc
        for t in range(50):
            act = np.array([(t + i) % 2 for i in range(8)])
            ra, rb, rc = a.step(act), b.step(act), c.step(act)
            for x, y, z in zip(ra[:4], rb[:4], rc[:4]):
                np.testing.assert_array_equal(x, y)
                np.testing.assert_array_equal(x, z)
        self.assertIs(first, rc[0])  # one array, written in place (Gymnasium's copy=False)
        del c  # the array outlives its env
        self.assertEqual(first.shape, (8, 4))
        np.testing.assert_array_equal(first, ra[0])

    def test_spaces_and_infos(self):
        envs = seqrl.make_vec("FrozenLake-v1", 3, is_slippery=False)
        self.assertEqual(envs.num_envs, 3)
        self.assertEqual(envs.single_action_space.n, 4)
        self.assertEqual(list(envs.action_space.nvec), [4, 4, 4])
        obs, _ = envs.reset(seed=0)
        self.assertEqual(obs.dtype, np.int64)
        self.assertTrue(envs.observation_space.contains(obs))
        self.assertTrue(envs.action_space.contains(envs.action_space.sample()))

    def test_gil_is_released_during_vector_steps_and_scoring(self):
        # The last step of 64 text envs scores 64 sequences under a wide oracle LSTM, and Self-BLEU
        # of thousands of sentences takes a while: while one of them runs in a thread, this thread keeps
        # running (its longest pause stays well below the call's length) only if the call
        # released the GIL.
        envs = seqrl.make_vec("TextOracle-v0", 64, vocab=5000, seq_len=4, emb=64, hidden=2048)
        envs.reset(seed=0)
        for _ in range(3):
            envs.step(np.zeros(64, dtype=np.int64))
        rng = np.random.default_rng(0)
        words = [f"w{i}" for i in range(300)]
        # as many sentences as make Self-BLEU take a while on this machine (3,000 took 0.05 s on
        # one, too quick to tell a stall from the call's length)
        n = 3000
        while True:
            sentences = [" ".join(rng.choice(words, 12)) for _ in range(n)]
            t0 = time.perf_counter()
            seqrl.score("selfbleu", sentences, n=4, tokenizer="whitespace")
            if time.perf_counter() - t0 > 0.25 or n >= 96000:
                break
            n *= 2
        for name, call in [("vector step", lambda: envs.step(np.zeros(64, dtype=np.int64))),
                           ("score", lambda: seqrl.score("selfbleu", sentences, n=4, tokenizer="whitespace"))]:
            t = threading.Thread(target=call)
            t0 = last = time.perf_counter()
            longest = 0.0
            t.start()
            while t.is_alive():
                now = time.perf_counter()
                longest, last = max(longest, now - last), now
            took = time.perf_counter() - t0
            self.assertGreater(took, 0.05, f"{name}: too quick to tell ({took:.3f} s)")
            self.assertLess(longest, took / 2, f"{name}: this thread stalled {longest:.3f} s of {took:.3f} s")


class TextEnvs(unittest.TestCase):
    def test_grammar_env(self):
        env = seqrl.make("TextGrammar-v0")
        words = env.vocabulary()
        self.assertEqual(words[:4], ["<pad>", "<bos>", "<eos>", "<unk>"])
        self.assertEqual(env.action_space.n, len(words))
        obs, _ = env.reset(seed=0)
        self.assertEqual(obs.dtype, np.int64)
        self.assertTrue(np.all(obs == -1))
        sentence = "a man riding a horse".split()
        for w in sentence:
            obs, r, term, trunc, _ = env.step(words.index(w))
        self.assertEqual(list(obs[:5]), [words.index(w) for w in sentence])
        self.assertTrue(env.observation_space.contains(obs))
        _, r, term, _, _ = env.step(2)  # <eos>
        self.assertTrue(term)
        self.assertEqual(r, 1.0)  # grammatical
        env.reset(seed=0)
        for w in "horse a riding".split():
            env.step(words.index(w))
        self.assertEqual(env.step(2)[1], 0.0)  # not grammatical
        self.assertIsNone(seqrl.make("TextOracle-v0", vocab=50, emb=8, hidden=8).vocabulary())

    def test_reward_model_checkpoint(self):
        # a SeqGAN run's discriminator as the reward: P(real) of the finished sentence
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([SEQRL_BIN, "train", "--agent", "seqgan", "--env", "TextGrammar-v0", "--steps", "1088",
                            "--pretrain-g-epochs", "1", "--pretrain-d-rounds", "1", "--rollouts", "2", "--negatives",
                            "256", "--samples", "512", "--final-eval-episodes", "1", "--out", d],
                           check=True, capture_output=True)
            env = seqrl.make("TextGrammar-v0", reward_model=os.path.join(d, "checkpoint.safetensors"))
            words = env.vocabulary()
            rewards = []
            for sentence in ["a man riding a horse", "horse a riding"]:
                env.reset(seed=0)
                for w in sentence.split():
                    env.step(words.index(w))
                _, r, term, _, _ = env.step(2)
                self.assertTrue(term)
                rewards.append(r)
            for r in rewards:
                self.assertTrue(0.0 < r < 1.0, rewards)  # a probability, not the grammar's 0/1
            with self.assertRaises(seqrl.Error):
                seqrl.make("TextGrammar-v0", reward_model=os.path.join(d, "missing.safetensors"))

    def test_data_dir_variable_finds_the_captions_from_any_folder(self):
        shared = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                               "shared", "data"))
        if not os.path.exists(os.path.join(shared, "coco", "image_coco.txt")):
            self.skipTest(f"no COCO captions at {shared} (the ../shared folder beside the project)")
        cwd, saved = os.getcwd(), os.environ.get("SEQRL_DATA_DIR")
        try:
            with tempfile.TemporaryDirectory() as tmp:
                os.chdir(tmp)
                os.environ.pop("SEQRL_DATA_DIR", None)
                # the default ../shared/data is relative to the working folder: the error says so
                with self.assertRaisesRegex(seqrl.Error, "relative to the working folder .*SEQRL_DATA_DIR"):
                    seqrl.make("TextCoco-v0")
                os.environ["SEQRL_DATA_DIR"] = shared  # read by the C++ side at make()
                env = seqrl.make("TextCoco-v0")
                explicit = seqrl.make("TextCoco-v0", corpus=os.path.join(shared, "coco", "image_coco.txt"))
                self.assertEqual(env.action_space.n, explicit.action_space.n)
                self.assertEqual(env.reset(seed=1)[0].tolist(), explicit.reset(seed=1)[0].tolist())
        finally:
            os.chdir(cwd)
            if saved is None:
                os.environ.pop("SEQRL_DATA_DIR", None)
            else:
                os.environ["SEQRL_DATA_DIR"] = saved

    def test_clone_and_state_continue_identically(self):
        env = seqrl.make("TextOracle-v0", vocab=50, seq_len=10, emb=8, hidden=8)
        env.reset(seed=4)
        for a in [3, 1, 4]:
            env.step(a)
        c = env.clone()
        state = env.get_state()
        rest = [1, 5, 9, 2, 6, 5, 3]
        ra = [env.step(a)[:4] for a in rest]
        rc = [c.step(a)[:4] for a in rest]
        self.assertEqual(pickle.dumps(ra), pickle.dumps(rc))
        self.assertTrue(ra[-1][2])  # the episode ended with the oracle's likelihood as the reward
        self.assertLess(ra[-1][1], 0.0)
        env.set_state(state)
        self.assertEqual(pickle.dumps([env.step(a)[:4] for a in rest]), pickle.dumps(ra))


class Score(unittest.TestCase):
    samples = ["a man riding a horse on a beach .", "a dog sitting on a couch .", "a man riding a wave on a surfboard .",
               "two dogs playing with a frisbee ."]

    def cli(self, *args):
        out = subprocess.run([SEQRL_BIN, "score", *args], check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    def test_bleu_selfbleu_distinct_equal_the_cli(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.txt")
            with open(path, "w") as f:
                f.write("\n".join(self.samples) + "\n")
            for metric in ["selfbleu", "distinct", "bleu"]:
                args = ["--metric", metric, "--samples", path] + (["--references", path] if metric == "bleu" else [])
                want = self.cli(*args)
                got = seqrl.score(metric, self.samples, references=self.samples if metric == "bleu" else None)
                self.assertEqual(got["samples"], want["samples"])
                self.assertEqual(len(got["value"]), 4)
                for k, v in want["value"].items():
                    self.assertEqual(got["value"][int(k)], v, (metric, k))
        words = [s.split() for s in self.samples]
        self.assertEqual(seqrl.score("distinct", words)["value"],
                         seqrl.score("distinct", self.samples, tokenizer="whitespace")["value"])
        self.assertEqual(seqrl.score("selfbleu", self.samples, limit=2)["samples"], 2)

    def test_grammar_and_nll_oracle(self):
        g = seqrl.score("grammar", ["a man riding a horse", "horse a riding"])
        self.assertEqual(g["samples"], 2)
        self.assertEqual(g["value"]["grammatical"], 0.5)
        ids = np.random.default_rng(0).integers(50, size=(8, 10))
        opts = {"vocab": 50, "seq_len": 10, "emb": 8, "hidden": 8}
        v = seqrl.score("nll-oracle", ids, oracle="random", oracle_options=opts)["value"]
        # the env's reward is minus the oracle's mean log-likelihood per token of the sequence
        env = seqrl.make("TextOracle-v0", **opts)
        total = 0.0
        for row in ids:
            env.reset(seed=0)
            for a in row:
                _, r, term, _, _ = env.step(int(a))
            total -= r
        self.assertAlmostEqual(v, total / len(ids), places=5)

    def test_bad_score_inputs(self):
        with self.assertRaisesRegex(ValueError, "metric"):
            seqrl.score("blue", self.samples)
        with self.assertRaisesRegex(ValueError, "references"):
            seqrl.score("bleu", self.samples)
        with self.assertRaisesRegex(ValueError, "samples"):
            seqrl.score("selfbleu", [])
        with self.assertRaisesRegex(ValueError, r"samples\[1\]"):
            seqrl.score("distinct", ["a b", 3.5])
        with self.assertRaisesRegex(ValueError, "vocabulary"):
            seqrl.score("nll-oracle", np.full((2, 20), 7000), oracle="random")


if __name__ == "__main__":
    unittest.main()
