#!/usr/bin/env python3
"""Projects data-parallel training of SeqGAN's discriminator (the paper's sizes: 7.0 M parameters,
28.2 MB of gradient) to 2, 16 and 64 ranks on 10, 25 and 100 Gbit/s links, from figures measured
on this machine:

  STEP_JSON: SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 build/seqrl bench --parts disc_step --out F
             (one core per rank: the gradient of a shard of 64, 32, 16, 4 and 1 sequences, and
             Adam's step over all parameters, milliseconds)
  DIST_JSON: mpirun -np 2 build/bench/seqrl_dist_bench 10 > F  (seqrl's allreduce of the 28.2 MB
             between two ranks of this machine, through shared memory)

and a model of the links (stated below, not measured: no second machine here). Three ways:
  - the first: MPI_Allgather of every rank's whole gradient, then the sum in rank
    order, and the whole Adam step on every rank. Each rank receives (P-1) S bytes.
  - a ring reduce-scatter + allgather of one flat buffer, the whole Adam step on every rank:
    2 (P-1)/P S bytes on the wire per rank, as NCCL, Gloo and Horovod move.
  - today's (nets::ShardedStep): per large tensor and for one bucket of the small ones
    (K = 6 in SeqGAN's D), a reduce-scatter (all-to-all, the sum of 1/P in rank order), Adam on
    that 1/P only, and an allgather of the updated chunk: the ring's bytes, 1/P of Adam, and 2 K
    collectives of P-1 messages each.
No overlap of communication with the backward pass.

usage: bench/project_scaleout.py STEP_JSON DIST_JSON   (prints Markdown)
"""
import json
import sys

step = json.load(open(sys.argv[1]))
step = step.get("nets", step)  # `seqrl bench` nests the figures under the suite's name
dist = json.load(open(sys.argv[2]))
grad = {int(b): ms for b, ms in step["disc_grad_ms_by_shard"].items()}
adam = step["disc_adam_ms"]
S = step["disc_parameters"] * 4  # bytes of gradient

# the links, assumed: 90% of the line rate on the wire, 20 us per message, reductions at 5 GB/s
ALPHA, EFF, GAMMA = 20e-6, 0.9, 5e9
LINKS = {"10 Gbit/s": 10e9, "25 Gbit/s": 25e9, "100 Gbit/s": 100e9}
RANKS = (2, 16, 64)
# collective pairs per step in today's way: SeqGAN's D has 31 tensors; the 5 of 65,536 values or
# more (the embedding, the 15- and 20-wide filters, the highway's two weights) go in place, the
# other 26 in one bucket
K = 6
# the paper protocol's discriminator work (bench/project_paper.py): 50 + 200 x 5 rounds of
# 3 epochs over 10,000 real + 10,000 negative sequences
SEQ_UPDATES = (50 + 200 * 5) * 3 * 20000


def grad_ms(b):
    """Gradient time of a shard of b sequences: measured at 1..64, linear in b beyond 64."""
    if b in grad:
        return grad[b]
    if b > 64:
        return grad[64] * b / 64
    lo = max(k for k in grad if k < b)
    hi = min(k for k in grad if k > b)
    return grad[lo] + (grad[hi] - grad[lo]) * (b - lo) / (hi - lo)


def comm_ms(p, bw, algo):
    beta = bw * EFF / 8  # bytes per second
    if algo == "allgather":
        t = (p - 1) * S / beta + p * S / GAMMA + (p - 1) * ALPHA
    elif algo == "ring":
        t = 2 * (p - 1) / p * S / beta + (p - 1) / p * S / GAMMA + 2 * (p - 1) * ALPHA
    else:  # sharded: the ring's bytes, one reduce-scatter and one allgather per parameter tensor
        t = 2 * (p - 1) / p * S / beta + (p - 1) / p * S / GAMMA + 2 * K * (p - 1) * ALPHA
    return t * 1e3


def adam_ms(p, algo):
    return adam / p if algo == "sharded" else adam


one = grad_ms(64) + adam  # one process, one core, a batch of 64
print(f"Measured on one core: gradient of 64 sequences {grad_ms(64):.1f} ms (of 32: {grad_ms(32):.1f}, "
      f"16: {grad_ms(16):.1f}, 4: {grad_ms(4):.1f}, 1: {grad_ms(1):.1f}), Adam's step {adam:.1f} ms; "
      f"one step of 64 = {one:.1f} ms. seqrl's allreduce of {S / 1e6:.1f} MB between 2 ranks here: "
      f"{dist.get('discriminator', dist.get('discriminator_reduce_scatter', {})).get('median_ms', float('nan')):.1f} ms. D training of the paper protocol "
      f"({SEQ_UPDATES / 1e6:.0f} M sequence updates) on one core: {SEQ_UPDATES / 64 * one / 3.6e6:.1f} h.\n")
for algo, title in (("allgather", "the first way: allgather, the sum in rank order, the whole Adam step everywhere"),
                    ("ring", "a ring reduce-scatter + allgather of one flat buffer, the whole Adam step everywhere"),
                    ("sharded", "today's: reduce-scatter per large tensor and one bucket, Adam on 1/P, allgather (nets::ShardedStep)")):
    print(f"#### {title}\n")
    print("Per cell: step time / D-training hours for the paper protocol / efficiency.\n")
    print("| scaling | link | " + " | ".join(f"P = {p}" for p in RANKS) + " |")
    print("|---|---|" + "---|" * len(RANKS))
    for kind in ("strong (global batch 64)", "weak (64 per rank)"):
        for link, bw in LINKS.items():
            cells = []
            for p in RANKS:
                b = 64 // p if kind.startswith("strong") else 64
                if b < 1:
                    cells.append("n/a")
                    continue
                t = grad_ms(b) + adam_ms(p, algo) + comm_ms(p, bw, algo)
                if kind.startswith("strong"):
                    steps, eff = SEQ_UPDATES / 64, one / (p * t)
                else:
                    steps, eff = SEQ_UPDATES / (64 * p), one / t
                cells.append(f"{t:.0f} ms / {steps * t / 3.6e6:.2f} h / {100 * eff:.0f}%")
            print(f"| {kind} | {link} | " + " | ".join(cells) + " |")
    print()
print("#### The per-rank batch at which more ranks still pay (weak scaling, today's way, efficiency >= 80%)\n")
print("| link | " + " | ".join(f"P = {p}" for p in RANKS) + " |")
print("|---|" + "---|" * len(RANKS))
for link, bw in LINKS.items():
    cells = []
    for p in RANKS:
        hit = next((b for b in (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
                    if (grad_ms(b) + adam) / (grad_ms(b) + adam_ms(p, "sharded") + comm_ms(p, bw, "sharded")) >= 0.8),
                   None)
        cells.append(f"{hit} (global {hit * p})" if hit else "> 4096")
    print(f"| {link} | " + " | ".join(cells) + " |")
print(f"\nAssumed, not measured: {EFF:.0%} of the line rate, {ALPHA * 1e6:.0f} us per message, "
      f"reductions at {GAMMA / 1e9:.0f} GB/s; nodes with one core per rank like this machine's; "
      "gradient time linear in the shard above 64 sequences.")
