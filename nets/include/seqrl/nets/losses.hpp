// Losses. Each returns a 0-d Var (a scalar) whose backward rule is written next to its forward in
// nets/src/losses.cpp; each has a finite-difference check in tests/nets/test_gradcheck.cpp.
#pragma once

#include "seqrl/nets/tensor.hpp"

namespace seqrl::nets {

// Mean cross-entropy from logits [..., C] and integer targets [...] (same leading shape).
// mask (optional: a 0-d Tensor() means none; else the targets' shape, 0 = padding) weights each position; the mean is over the
// mask's sum (positions with mask 0 cost nothing and get zero gradient). Fused: log-softmax, the
// loss and its gradient in one vectorised pass per row.
Var cross_entropy(const Var& logits, const IntTensor& targets, const Tensor& mask = Tensor());

// cross_entropy(linear(x, w, b), targets, mask) without materialising the logits as a graph node:
// one GEMM, one fused softmax/loss/gradient pass (bias included), and the two backward GEMMs. This
// is a language model's output layer; for vocabulary 5000 it is most of the work.
Var linear_cross_entropy(const Var& x, const Var& w, const Var& b, const IntTensor& targets,
                         const Tensor& mask = Tensor());

// Mean binary cross-entropy with logits: mean(max(x,0) - x t + log(1 + e^-|x|)). targets in [0,1].
Var bce_with_logits(const Var& logits, const Tensor& targets);
// Mean squared error.
Var mse(const Var& pred, const Tensor& target);
// Mean Huber loss (smooth L1 with threshold delta): quadratic within delta, linear beyond.
Var huber(const Var& pred, const Tensor& target, float delta = 1.f);
// KL(N(mu, exp(logvar)) || N(0, 1)) summed over the last axis, averaged over the rest:
// mean_b sum_j -0.5 (1 + logvar - mu^2 - exp(logvar)).
Var kl_normal(const Var& mu, const Var& logvar);

}  // namespace seqrl::nets
