"""REINFORCE in PyTorch on seqrl's TextGrammar-v0: a GRU policy writes a caption token by token
(the state is the prefix, the action the next word), and the caption grammar pays 1 for a
grammatical sentence at its end, 0 otherwise. A uniformly random writer is grammatical about
3 times in 100,000 sentences, so the reward is sparse: the policy learns from batches of 512
episodes (a seqrl vector env of 2048) with the batch mean as the baseline, and once a batch holds
a grammatical sentence it climbs. Prints one JSON line per report and a summary at the end.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/reinforce_text.py
    PYTHONPATH=build/python /usr/bin/python3 examples/python/reinforce_text.py --iterations 60
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn

import seqrl

BOS, EOS = 1, 2


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--iterations", type=int, default=200, help="policy-gradient updates")
    p.add_argument("--batch", type=int, default=2048, help="episodes per update (vector env width)")
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--max-len", type=int, default=6, help="TextGrammar-v0's max_len (words per sentence)")
    p.add_argument("--eval-episodes", type=int, default=2048)
    p.add_argument("--report-every", type=int, default=20)
    return p.parse_args()


class Policy(nn.Module):
    def __init__(self, vocab, emb=32, hidden=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.cell = nn.GRUCell(emb, hidden)
        self.out = nn.Linear(hidden, vocab)
        # a near-uniform first policy (CleanRL's policy heads: std 0.01): it explores as the
        # random writer does instead of favouring a few tokens by chance
        nn.init.orthogonal_(self.out.weight, 0.01)
        nn.init.zeros_(self.out.bias)
        self.hidden = hidden

    def step(self, tokens, h):
        h = self.cell(self.emb(tokens), h)
        return self.out(h), h


def run_episodes(envs, policy, seed, gen, greedy=False):
    """One episode in every sub-env: (log-prob sums [B] with grad, rewards [B], sentences)."""
    B = envs.num_envs
    envs.reset(seed=seed)
    tokens = torch.full((B,), BOS, dtype=torch.long)
    h = torch.zeros(B, policy.hidden)
    alive = np.ones(B, dtype=bool)
    logp = torch.zeros(B)
    rewards = np.zeros(B)
    written = []
    while alive.any():
        logits, h = policy.step(tokens, h)
        dist = torch.distributions.Categorical(logits=logits)
        actions = logits.argmax(-1) if greedy else dist.sample()
        mask = torch.from_numpy(alive.astype(np.float32))
        logp = logp + dist.log_prob(actions) * mask
        _, r, term, trunc, _ = envs.step(actions.numpy())
        written.append(np.where(alive, actions.numpy(), -1))
        ended = alive & (term | trunc)
        rewards[ended] = r[ended]
        alive &= ~(term | trunc)
        tokens = actions
    return logp, rewards, np.stack(written, axis=1)


def grammatical_rate(envs, policy, seed, episodes, random_policy=False):
    n = 0
    got = 0.0
    rng = np.random.default_rng(seed)
    while n < episodes:
        if random_policy:
            envs.reset(seed=seed + n)
            alive = np.ones(envs.num_envs, dtype=bool)
            while alive.any():
                _, r, term, trunc, _ = envs.step(rng.integers(envs.single_action_space.n, size=envs.num_envs))
                ended = alive & (term | trunc)
                got += r[ended].sum()
                alive &= ~(term | trunc)
        else:
            with torch.no_grad():
                _, r, _ = run_episodes(envs, policy, seed + n, None)
            got += r.sum()
        n += envs.num_envs
    return got / n


def main():
    args = parse()
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    envs = seqrl.make_vec("TextGrammar-v0", args.batch, max_len=args.max_len)
    words = seqrl.make("TextGrammar-v0").vocabulary()
    policy = Policy(envs.single_action_space.n)
    opt = torch.optim.Adam(policy.parameters(), lr=args.lr)
    t0 = time.perf_counter()
    random_rate = grammatical_rate(envs, policy, 10**6, args.eval_episodes, random_policy=True)
    start_rate = grammatical_rate(envs, policy, 10**6, args.eval_episodes)
    first_success = None
    for it in range(1, args.iterations + 1):
        logp, rewards, written = run_episodes(envs, policy, args.seed * 100000 + it, None)
        if first_success is None and rewards.any():
            first_success = it
        adv = torch.from_numpy(rewards - rewards.mean()).float()
        loss = -(adv * logp).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if it % args.report_every == 0:
            ok = [" ".join(words[t] for t in s if t >= 0 and t != EOS) for s, r in zip(written, rewards) if r > 0]
            print(json.dumps({"iteration": it, "batch_grammatical": float(rewards.mean()),
                              "example": ok[0] if ok else None}), flush=True)
    final_rate = grammatical_rate(envs, policy, 2 * 10**6, args.eval_episodes)
    with torch.no_grad():  # REINFORCE on a 0/1 reward tends to settle on few sentences: count them
        _, _, written = run_episodes(envs, policy, 3 * 10**6, None)
    distinct = len({tuple(t for t in row if t >= 0) for row in written})
    print(json.dumps({"env": "TextGrammar-v0", "max_len": args.max_len, "iterations": args.iterations,
                      "episodes": args.iterations * args.batch, "first_grammatical_batch": first_success,
                      "grammatical_rate_random_policy": random_rate, "grammatical_rate_untrained": start_rate,
                      "grammatical_rate_trained": final_rate, "eval_episodes": args.eval_episodes,
                      "distinct_sentences_in_a_batch": distinct, "batch": args.batch,
                      "seconds": round(time.perf_counter() - t0, 1)}))


if __name__ == "__main__":
    main()
