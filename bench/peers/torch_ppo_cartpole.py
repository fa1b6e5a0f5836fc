#!/usr/bin/python3
"""Peer measurement (never project code): PPO on CartPole-v1 on CPU, CleanRL's ppo.py algorithm
with rl-zoo's CartPole-v1 hyperparameters, the same work as `seqrl train --agent ppo --env
CartPole-v1`: 8 envs, rollouts of 32 steps, 20 epochs of minibatches of 256, GAE lambda 0.8,
gamma 0.98, learning rate and clip range annealed linearly from 1e-3 and 0.2, separate 64-64 tanh
policy and value networks with orthogonal init, Adam eps 1e-5, gradient norm 0.5, value
coefficient 0.5, advantages normalised per minibatch, 100,000 env steps.

CartPole is Gymnasium's CartPole-v1 dynamics in NumPy, stepped for the 8 envs at once (vectorised:
faster than Gymnasium's SyncVectorEnv, so the peer is favoured), with same-step autoreset and the
final observation's value added on truncation (SB3's handling). No Gymnasium (not in Debian),
no TensorBoard, no logging: leaner than a real CleanRL run.

usage: /usr/bin/python3 bench/peers/torch_ppo_cartpole.py [--repeats 3] [--threads 1] [--steps 100000]
Prints one JSON line: wall seconds and env steps per second of each repeat (the whole training
loop, rollouts and updates), and the final greedy return of each.
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn


class VecCartPole:
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    total_mass = masspole + masscart
    polemass_length = masspole * length
    theta_limit = 12 * 2 * math.pi / 360
    x_limit = 2.4

    def __init__(self, n, seed):
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(-0.05, 0.05, size=(n, 4))
        self.t = np.zeros(n, dtype=np.int64)

    def obs(self):
        return self.state.astype(np.float32)

    def step(self, actions):
        x, x_dot, th, th_dot = self.state.T
        force = np.where(actions == 1, self.force_mag, -self.force_mag)
        c, s = np.cos(th), np.sin(th)
        temp = (force + self.polemass_length * th_dot ** 2 * s) / self.total_mass
        thacc = (self.gravity * s - c * temp) / (self.length * (4.0 / 3.0 - self.masspole * c ** 2 / self.total_mass))
        xacc = temp - self.polemass_length * thacc * c / self.total_mass
        self.state = np.stack([x + self.tau * x_dot, x_dot + self.tau * xacc, th + self.tau * th_dot,
                               th_dot + self.tau * thacc], axis=1)
        self.t += 1
        x, th = self.state[:, 0], self.state[:, 2]
        term = (x < -self.x_limit) | (x > self.x_limit) | (th < -self.theta_limit) | (th > self.theta_limit)
        trunc = (self.t >= 500) & ~term
        final = self.state.astype(np.float32)
        done = term | trunc
        if done.any():
            k = int(done.sum())
            self.state[done] = self.rng.uniform(-0.05, 0.05, size=(k, 4))
            self.t[done] = 0
        return self.obs(), np.ones(self.n, dtype=np.float32), term, trunc, final


def layer(i, o, gain):
    l = nn.Linear(i, o)
    nn.init.orthogonal_(l.weight, gain)
    nn.init.constant_(l.bias, 0.0)
    return l


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        g = math.sqrt(2)
        self.critic = nn.Sequential(layer(4, 64, g), nn.Tanh(), layer(64, 64, g), nn.Tanh(), layer(64, 1, 1.0))
        self.actor = nn.Sequential(layer(4, 64, g), nn.Tanh(), layer(64, 64, g), nn.Tanh(), layer(64, 2, 0.01))

    def value(self, x):
        return self.critic(x).squeeze(-1)

    def act(self, x, a=None):
        dist = torch.distributions.Categorical(logits=self.actor(x))
        if a is None:
            a = dist.sample()
        return a, dist.log_prob(a), dist.entropy(), self.value(x)


def train(total, seed):
    torch.manual_seed(seed)
    n_envs, n_steps, batch, epochs = 8, 32, 256, 20
    gamma, lam, lr0, clip0, vf_coef, max_norm = 0.98, 0.8, 1e-3, 0.2, 0.5, 0.5
    envs = VecCartPole(n_envs, seed)
    agent = Agent()
    opt = torch.optim.Adam(agent.parameters(), lr=lr0, eps=1e-5)
    obs_b = torch.zeros((n_steps, n_envs, 4))
    act_b = torch.zeros((n_steps, n_envs), dtype=torch.long)
    logp_b, rew_b, done_b, val_b = (torch.zeros((n_steps, n_envs)) for _ in range(4))
    obs = torch.from_numpy(envs.obs())
    done = torch.zeros(n_envs)
    updates = total // (n_envs * n_steps)
    steps = 0
    for u in range(updates):
        left = 1.0 - u / updates
        for g in opt.param_groups:
            g["lr"] = lr0 * left
        clip = clip0 * left
        for t in range(n_steps):
            obs_b[t], done_b[t] = obs, done
            with torch.no_grad():
                a, logp, _, v = agent.act(obs)
            act_b[t], logp_b[t], val_b[t] = a, logp, v
            o, r, term, trunc, final = envs.step(a.numpy())
            r = torch.from_numpy(r)
            if trunc.any():  # bootstrap the truncated episodes from their final observation
                with torch.no_grad():
                    r[torch.from_numpy(trunc)] += gamma * agent.value(torch.from_numpy(final[trunc]))
            rew_b[t] = r
            obs, done = torch.from_numpy(o), torch.from_numpy((term | trunc).astype(np.float32))
            steps += n_envs
        with torch.no_grad():
            nxt = agent.value(obs)
            adv = torch.zeros_like(rew_b)
            last = 0
            for t in reversed(range(n_steps)):
                nonterm = 1.0 - (done if t == n_steps - 1 else done_b[t + 1])
                nv = nxt if t == n_steps - 1 else val_b[t + 1]
                delta = rew_b[t] + gamma * nv * nonterm - val_b[t]
                adv[t] = last = delta + gamma * lam * nonterm * last
            ret = adv + val_b
        b_obs, b_act, b_logp = obs_b.reshape(-1, 4), act_b.reshape(-1), logp_b.reshape(-1)
        b_adv, b_ret = adv.reshape(-1), ret.reshape(-1)
        n = n_envs * n_steps
        for _ in range(epochs):
            perm = torch.randperm(n)
            for s in range(0, n, batch):
                mb = perm[s:s + batch]
                _, logp, ent, v = agent.act(b_obs[mb], b_act[mb])
                ratio = (logp - b_logp[mb]).exp()
                madv = b_adv[mb]
                madv = (madv - madv.mean()) / (madv.std() + 1e-8)
                pg = torch.max(-madv * ratio, -madv * torch.clamp(ratio, 1 - clip, 1 + clip)).mean()
                vl = 0.5 * ((v - b_ret[mb]) ** 2).mean()
                loss = pg + vf_coef * vl
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), max_norm)
                opt.step()
    return agent, steps


def greedy_return(agent, seed, episodes=10):
    env = VecCartPole(1, seed + 1000)
    total, done_eps, ep = 0.0, 0, 0.0
    while done_eps < episodes:
        with torch.no_grad():
            a = agent.actor(torch.from_numpy(env.obs())).argmax(-1).numpy()
        _, r, term, trunc, _ = env.step(a)
        ep += float(r[0])
        if term[0] or trunc[0]:
            total += ep
            ep, done_eps = 0.0, done_eps + 1
    return total / episodes


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=100000)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    runs = []
    for k in range(a.repeats):
        t0 = time.perf_counter()
        agent, steps = train(a.steps, seed=k + 1)
        secs = time.perf_counter() - t0
        runs.append({"seconds": secs, "steps_per_s": steps / secs, "steps": steps,
                     "greedy_return": greedy_return(agent, k + 1)})
    print(json.dumps({"peer": "torch_ppo_cartpole", "torch": torch.__version__, "threads": a.threads, "runs": runs}))


if __name__ == "__main__":
    main()
