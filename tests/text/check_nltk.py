#!/usr/bin/env python3
"""Cross-checks seqrl's text metrics with NLTK 3.8 itself (Debian's python3-nltk).

1. The nltk tokenizer: every line of both COCO files must split exactly as NLTK's
   NLTKWordTokenizer splits it (word_tokenize without Punkt, as text/vocab.hpp says).
2. BLEU-2..5 (sentence_bleu, uniform weights, method1, averaged) of the first H test captions
   against the first R training captions, and Self-BLEU-2..5 of the first S test captions,
   computed by NLTK, must equal `seqrl score` to 1e-9.

usage: check_nltk.py SEQRL_BINARY COCO_DIR [H R S]
"""
import json
import os
import subprocess
import sys
import tempfile

from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

seqrl, coco = sys.argv[1], sys.argv[2]
if not os.path.isdir(coco):
    print(f"SKIP: {coco} is absent (the COCO captions live in ../shared/data/coco)")
    sys.exit(77)
H, R, S = (int(x) for x in sys.argv[3:6]) if len(sys.argv) > 5 else (60, 800, 120)
train = open(os.path.join(coco, "image_coco.txt"), encoding="utf-8").read().split("\n")
test = open(os.path.join(coco, "test_coco.txt"), encoding="utf-8").read().split("\n")
tok = NLTKWordTokenizer()

with tempfile.TemporaryDirectory() as d:
    # 1. the tokenizer, on every line (seqrl tokenize prints one line of tokens per input line)
    lines = train + test + [  # the rules COCO does not exercise
        '"Hello," she said. "It\'s (really) [fine]!"', "They can't gonna wanna do it... ok?",
        "I'm here; you'd've seen 'em at 3:30, $4.50 & 20% more--right*", "l'avion `quoted' ''x''",
        "\u201cSmart\u201d \u2018quotes\u2019 \u00abguillemets\u00bb end.", "Cannot 'tis 'twas lemme gimme",
        "a: b, c:d 1,000 e.g. U.S. end .", "trailing quote.' and.\" x", "it's I'LL WON'T they've"]
    nltk_tokens = [tok.tokenize(l) for l in lines]
    path = os.path.join(d, "all.txt")
    open(path, "w", encoding="utf-8").write("\n".join(lines))
    out = subprocess.run([seqrl, "tokenize", "--tokenizer", "nltk", "--input", path],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    ours_tokens = [l.split(" ") if l else [] for l in out.stdout.rstrip("\n").split("\n")]
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(nltk_tokens, ours_tokens)) if a != b]
    assert len(ours_tokens) == len(nltk_tokens), (len(ours_tokens), len(nltk_tokens))
    if bad:
        i, a, b = bad[0]
        sys.exit(f"FAIL: {len(bad)} lines tokenized differently; first, line {i + 1}: nltk {a} seqrl {b}")
    print(f"tokenizer: {len(lines)} lines identical to NLTK's")

    # 2. BLEU and Self-BLEU
    hyp_path, ref_path, self_path = (os.path.join(d, n) for n in ("h.txt", "r.txt", "s.txt"))
    open(hyp_path, "w").write("\n".join(test[:H]))
    open(ref_path, "w").write("\n".join(train[:R]))
    open(self_path, "w").write("\n".join(test[:S]))
    refs = [tok.tokenize(l) for l in train[:R]]
    hyps = [tok.tokenize(l) for l in test[:H]]
    selfs = [tok.tokenize(l) for l in test[:S]]
    sm = SmoothingFunction().method1

    def run(*args):
        r = subprocess.run([seqrl, "score", *args], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)["value"]

    ours_b = run("--metric", "bleu", "--samples", hyp_path, "--references", ref_path)
    ours_s = run("--metric", "selfbleu", "--samples", self_path)
    worst = 0.0
    for n in range(2, 6):
        w = tuple(1.0 / n for _ in range(n))
        b = sum(sentence_bleu(refs, h, w, smoothing_function=sm) for h in hyps) / len(hyps)
        s = sum(sentence_bleu(selfs[:i] + selfs[i + 1:], selfs[i], w, smoothing_function=sm)
                for i in range(len(selfs))) / len(selfs)
        print(f"BLEU-{n}: nltk {b:.12f} seqrl {ours_b[str(n)]:.12f}   "
              f"Self-BLEU-{n}: nltk {s:.12f} seqrl {ours_s[str(n)]:.12f}")
        worst = max(worst, abs(b - ours_b[str(n)]), abs(s - ours_s[str(n)]))
    if worst > 1e-9:
        sys.exit(f"FAIL: largest difference {worst:.3g}")
    print(f"ok: largest difference {worst:.3g}")
