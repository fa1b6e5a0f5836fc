"""A CleanRL-style single-file DQN (cleanrl/dqn.py's algorithm and CartPole settings) in PyTorch,
on seqrl's C++ CartPole-v1 through the Python module. Prints one JSON line at the end.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/dqn_cartpole.py            # to >= 475
    PYTHONPATH=build/python /usr/bin/python3 examples/python/dqn_cartpole.py --total-timesteps 20000

Every --eval-every steps the greedy policy plays --eval-episodes episodes; the run stops once
their mean reaches --stop-at (the env's reward threshold, 475, by default).
"""
import argparse
import json
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import seqrl


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--total-timesteps", type=int, default=500000)
    p.add_argument("--learning-rate", type=float, default=2.5e-4)
    p.add_argument("--buffer-size", type=int, default=10000)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--target-network-frequency", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--start-e", type=float, default=1.0)
    p.add_argument("--end-e", type=float, default=0.05)
    p.add_argument("--exploration-fraction", type=float, default=0.5)
    p.add_argument("--learning-starts", type=int, default=10000)
    p.add_argument("--train-frequency", type=int, default=10)
    p.add_argument("--eval-every", type=int, default=5000)
    p.add_argument("--eval-episodes", type=int, default=10)
    p.add_argument("--stop-at", type=float, default=None, help="stop when the greedy mean return reaches it")
    return p.parse_args()


class QNetwork(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.network = nn.Sequential(nn.Linear(obs_dim, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                     nn.Linear(84, n_actions))

    def forward(self, x):
        return self.network(x)


def linear_schedule(start_e, end_e, duration, t):
    return max(start_e + (end_e - start_e) / duration * t, end_e)


def evaluate(q, episodes, seed):
    env = seqrl.make("CartPole-v1")
    returns = []
    for k in range(episodes):
        obs, _ = env.reset(seed=seed + k)
        total, done = 0.0, False
        while not done:
            with torch.no_grad():
                a = int(q(torch.from_numpy(obs)).argmax())
            obs, r, term, trunc, _ = env.step(a)
            total += r
            done = term or trunc
        returns.append(total)
    return float(np.mean(returns))


def main():
    args = parse()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    env = seqrl.make("CartPole-v1")
    stop_at = args.stop_at if args.stop_at is not None else env.spec.reward_threshold
    env.action_space.seed(args.seed)
    obs_dim, n_actions = env.observation_space.shape[0], env.action_space.n
    q, target = QNetwork(obs_dim, n_actions), QNetwork(obs_dim, n_actions)
    target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=args.learning_rate)
    # the replay buffer: preallocated numpy arrays
    B = args.buffer_size
    obs_buf = np.zeros((B, obs_dim), np.float32)
    next_buf = np.zeros((B, obs_dim), np.float32)
    act_buf = np.zeros(B, np.int64)
    rew_buf = np.zeros(B, np.float32)
    done_buf = np.zeros(B, np.float32)
    size = ptr = 0
    rng = np.random.default_rng(args.seed)
    obs, _ = env.reset(seed=args.seed)
    t0 = time.perf_counter()
    evals, episode_return, episodes, best = [], 0.0, 0, -1.0
    step = 0
    for step in range(1, args.total_timesteps + 1):
        eps = linear_schedule(args.start_e, args.end_e, args.exploration_fraction * args.total_timesteps, step)
        if random.random() < eps:
            action = int(env.action_space.sample())
        else:
            with torch.no_grad():
                action = int(q(torch.from_numpy(obs)).argmax())
        next_obs, reward, terminated, truncated, _ = env.step(action)
        episode_return += reward
        # a truncated episode's next state is its real last observation (next-step bootstrapping)
        obs_buf[ptr], next_buf[ptr], act_buf[ptr], rew_buf[ptr], done_buf[ptr] = obs, next_obs, action, reward, terminated
        ptr, size = (ptr + 1) % B, min(size + 1, B)
        if terminated or truncated:
            obs, _ = env.reset()
            episodes += 1
            episode_return = 0.0
        else:
            obs = next_obs
        if step > args.learning_starts:
            if step % args.train_frequency == 0:
                idx = rng.integers(size, size=args.batch_size)
                o, no = torch.from_numpy(obs_buf[idx]), torch.from_numpy(next_buf[idx])
                with torch.no_grad():
                    target_max = target(no).max(dim=1).values
                    td_target = torch.from_numpy(rew_buf[idx]) + args.gamma * target_max * (1 - torch.from_numpy(done_buf[idx]))
                old_val = q(o).gather(1, torch.from_numpy(act_buf[idx]).unsqueeze(1)).squeeze(1)
                loss = F.mse_loss(td_target, old_val)
                opt.zero_grad()
                loss.backward()
                opt.step()
            if step % args.target_network_frequency == 0:
                target.load_state_dict(q.state_dict())
        if step % args.eval_every == 0:
            score = evaluate(q, args.eval_episodes, seed=10_000)
            evals.append({"step": step, "greedy_mean_return": score})
            best = max(best, score)
            print(json.dumps(evals[-1]), flush=True)
            if score >= stop_at:
                break
    final = evaluate(q, args.eval_episodes, seed=20_000)
    print(json.dumps({"env": "CartPole-v1", "steps": step, "episodes": episodes, "final_greedy_mean_return": final,
                      "best_eval": best, "reward_threshold": env.spec.reward_threshold,
                      "solved": final >= env.spec.reward_threshold,
                      "seconds": round(time.perf_counter() - t0, 1), "steps_per_second": round(step / (time.perf_counter() - t0))}))


if __name__ == "__main__":
    main()
