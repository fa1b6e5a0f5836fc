#!/usr/bin/python3
"""Peer measurement: LeakGAN's generator in PyTorch on the CPU, the same work as
`seqrl bench --parts leak` (bench/README.md), written as the public ports do it.

usage: /usr/bin/python3 bench/peers/torch_leakgan.py [--repeats 3] [--threads 2]
(Debian's python3-torch; /usr/bin/python3, not a pyenv python). Prints one JSON line.

Sizes: SeqGAN's / LeakGAN's synthetic length-20 setting: vocab 5000, length 20, batch 64;
worker and manager LSTMs 32, goal size k 16, step c 4, 4 rollouts; D: embedding 64, filter sizes
1..10, 15, 20 with 100,200,200,200,200,100,100,100,100,100,160,160 filters (1,720 features),
highway, 2 classes. Prefixes are padded with zero embeddings, as in seqrl.

The leak is computed as LeakGAN's code (CR-Gjx/LeakGAN) and TextGAN-PyTorch compute it: one D
feature pass over the padded length-T prefix at every generation step. The worker's output is the
[B, V, k] tensor times w_t (bmm), as in LeakGAN's code.

Figures:
  sample_seqs_per_s : 64 sequences of 20 tokens sampled with manager, worker and the leak
                      (torch.multinomial), sequences per second
  g_step_s          : one adversarial g-step: Q by 4 rollouts from every 4th prefix scored by D,
                      the rank rescale, the teacher-forced pass (leak of every prefix, manager,
                      worker), the manager's Q-weighted cosine loss and the worker's
                      (Q + intrinsic) policy-gradient loss, backward, two Adam steps (clip 5)
  leak_cost_in_forward_passes : the leak of all 21 prefixes of a batch over one D forward pass
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

V, T, B, H, K, C, R = 5000, 20, 64, 32, 16, 4, 4
ED = 64
FSIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20]
FNUMS = [100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160]
FEAT = sum(FNUMS)


class Disc(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, ED)
        self.convs = nn.ModuleList([nn.Conv1d(ED, n, k) for k, n in zip(FSIZES, FNUMS)])
        self.gate = nn.Linear(FEAT, FEAT)
        self.trans = nn.Linear(FEAT, FEAT)
        self.out = nn.Linear(FEAT, 2)

    def features(self, x, length=None):
        """x [N, T] token ids; positions >= length embed as zero vectors."""
        e = self.emb(x)
        if length is not None and length < T:
            e = e.clone()
            e[:, length:, :] = 0
        e = e.transpose(1, 2)
        pooled = torch.cat([F.relu(c(e)).max(dim=2).values for c in self.convs], 1)
        g = torch.sigmoid(self.gate(pooled))
        return g * F.relu(self.trans(pooled)) + (1 - g) * pooled

    def prob_real(self, x):
        return F.softmax(self.out(self.features(x)), dim=1)[:, 1]


class Gen(nn.Module):
    def __init__(self):
        super().__init__()
        self.manager = nn.LSTMCell(FEAT, H)
        self.goal_out = nn.Linear(H, FEAT)
        self.emb = nn.Embedding(V, H)
        self.worker = nn.LSTMCell(H, H)
        self.worker_out = nn.Linear(H, V * K)
        self.psi = nn.Linear(FEAT, K, bias=False)
        self.goal_init = F.normalize(torch.randn(FEAT), dim=0)

    def run(self, d, prefix=None, given=0, grad=False):
        """Teacher-forced over the first `given` tokens, sampled after; returns tokens, log-probs of
        the tokens, goals [N, T, F] and leaked features [N, T + 1, F]."""
        n = prefix.shape[0] if prefix is not None else B
        toks = torch.zeros(n, T, dtype=torch.long)
        hm = cm = torch.zeros(n, H)
        hw = cw = torch.zeros(n, H)
        goals, feats, logps = [], [], []
        prev = torch.zeros(n, dtype=torch.long)
        for t in range(T):
            with torch.no_grad():
                f = d.features(toks, length=t)  # the leak: one D pass over the padded prefix
            feats.append(f)
            hm, cm = self.manager(f, (hm, cm))
            g = F.normalize(self.goal_out(hm), dim=1)
            goals.append(g)
            past = [goals[j].detach() if j >= 0 else self.goal_init.expand(n, FEAT) for j in range(t - C, t)]
            w = self.psi(torch.stack(past).sum(0))
            hw, cw = self.worker(self.emb(prev), (hw, cw))
            o = self.worker_out(hw).view(n, V, K)
            logits = torch.bmm(o, w.unsqueeze(2)).squeeze(2)
            lp = F.log_softmax(logits, dim=1)
            if t < given:
                tok = prefix[:, t]
            else:
                tok = torch.multinomial(lp.detach().exp(), 1).squeeze(1)
            toks[:, t] = tok
            logps.append(lp.gather(1, tok.unsqueeze(1)).squeeze(1))
            prev = tok
        with torch.no_grad():
            feats.append(d.features(toks))
        return toks, torch.stack(logps, 1), torch.stack(goals, 1), torch.stack(feats, 1)


def rank_rescale(q):
    # rank within the batch (0 = best), sigmoid(16 (0.5 - r / B))
    r = torch.argsort(torch.argsort(-q, dim=0), dim=0).float()
    return torch.sigmoid(16 * (0.5 - r / q.shape[0]))


def g_step(gen, d, opt_m, opt_w, seqs):
    blocks = T // C
    q = torch.zeros(B, blocks)
    with torch.no_grad():
        for j in range(blocks):
            L = (j + 1) * C
            if L == T:
                q[:, j] = d.prob_real(seqs)
                continue
            rep = seqs.repeat(R, 1)
            done, _, _, _ = gen.run(d, rep, L)
            q[:, j] = d.prob_real(done).view(R, B).mean(0)
    rew = torch.stack([rank_rescale(q[:, j]) for j in range(blocks)], 1)
    _, logp, g, f = gen.run(d, seqs, T, grad=True)
    # manager: -Q cos(f_{t+c} - f_t, g_t)
    M = T - C + 1
    df = f[:, C:C + M] - f[:, :M]
    cos = F.cosine_similarity(df, g[:, :M], dim=2)
    qm = rew[:, torch.arange(M) // C]
    loss_m = -(qm * cos).mean()
    # worker: (Q + intrinsic) * -log p
    with torch.no_grad():
        intr = torch.zeros(B, T)
        for t in range(T):
            for i in range(1, C + 1):
                if t + 1 - i >= 0:
                    intr[:, t] += F.cosine_similarity(f[:, t + 1] - f[:, t + 1 - i], g[:, t + 1 - i], dim=1) / C
        qw = rew[:, torch.arange(T) // C] + intr
    loss_w = -(qw * logp).mean()
    opt_m.zero_grad()
    opt_w.zero_grad()
    (loss_m + loss_w).backward()
    torch.nn.utils.clip_grad_norm_([p for grp in opt_m.param_groups for p in grp["params"]], 5.0)
    torch.nn.utils.clip_grad_norm_([p for grp in opt_w.param_groups for p in grp["params"]], 5.0)
    opt_m.step()
    opt_w.step()


def timed(fn, repeats, min_time):
    fn()  # warm-up
    rates = []
    for _ in range(repeats):
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - t0
            if el >= min_time:
                break
        rates.append(n / el)
    return statistics.median(rates), min(rates), max(rates)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    d, gen = Disc().eval(), Gen()
    opt_m = torch.optim.Adam(list(gen.manager.parameters()) + list(gen.goal_out.parameters()), lr=1.5e-3)
    opt_w = torch.optim.Adam(list(gen.emb.parameters()) + list(gen.worker.parameters()) +
                             list(gen.worker_out.parameters()) + list(gen.psi.parameters()), lr=1.5e-3)
    x = torch.randint(0, V, (B, T))

    def fwd():
        with torch.no_grad():
            d.prob_real(x)

    def leak():
        with torch.no_grad():
            for t in range(T + 1):
                d.features(x, length=t)

    def sample():
        with torch.no_grad():
            gen.run(d)

    f_med, _, _ = timed(fwd, a.repeats, a.min_time)
    l_med, _, _ = timed(leak, a.repeats, a.min_time)
    s_med, s_lo, s_hi = timed(sample, a.repeats, a.min_time)
    gs = []
    for _ in range(a.repeats + 1):
        t0 = time.perf_counter()
        g_step(gen, d, opt_m, opt_w, x)
        gs.append(time.perf_counter() - t0)
    gs = gs[1:]
    print(json.dumps({"peer": "torch_leakgan", "torch": torch.__version__, "threads": a.threads,
                      "disc_forward_seqs_per_s": f_med * B, "leak_all_prefixes_seqs_per_s": l_med * B,
                      "leak_cost_in_forward_passes": f_med / l_med,
                      "sample_seqs_per_s": {"median": s_med * B, "min": s_lo * B, "max": s_hi * B},
                      "g_step_s": {"median": statistics.median(gs), "min": min(gs), "max": max(gs)}}))


if __name__ == "__main__":
    main()
