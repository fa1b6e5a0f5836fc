// Differentiable operations on Var. Each op's backward rule sits next to its forward in
// nets/src/ops*.cpp.
//
// Adding an op touches: (1) a declaration here with its contract, (2) forward + backward in
// nets/src/ops.cpp (or ops_nn.cpp for network-shaped ops), (3) a finite-difference gradient check
// in tests/nets/test_gradcheck.cpp. Nothing else.
//
// Conventions: row vectors (x W, as SeqGAN's code and xtensor's row-major layout); "last axis" is
// the feature axis; sequences are [batch, time, features].
#pragma once

#include <vector>

#include "seqrl/nets/rng.hpp"
#include "seqrl/nets/tensor.hpp"

namespace seqrl::nets {

// ---- linear algebra ---------------------------------------------------------------------------
// op(a) op(b) where op transposes when asked. a: [M,K] (or [K,M] with trans_a), b: [K,N] (or
// [N,K]). Without trans_a, a may have more than 2 axes: its leading axes are flattened, so
// [B,T,K] x [K,N] -> [B,T,N]. Throws ShapeError when the inner sizes differ.
Var matmul(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false);
// Batched: a [B,M,K], b [B,K,N] (transposes apply to the last two axes) -> [B,M,N].
Var bmm(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false);
// x W + b with x [..., in], W [in, out], b [out] -> [..., out] (one GEMM, bias fused).
Var linear(const Var& x, const Var& w, const Var& b);

// ---- element-wise with numpy broadcasting ------------------------------------------------------
Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var div(const Var& a, const Var& b);
Var neg(const Var& a);
Var scale(const Var& a, float s);       // a * s
Var add_scalar(const Var& a, float s);  // a + s
Var square(const Var& a);
Var sqrt(const Var& a);
inline Var operator+(const Var& a, const Var& b) { return add(a, b); }
inline Var operator-(const Var& a, const Var& b) { return sub(a, b); }
inline Var operator*(const Var& a, const Var& b) { return mul(a, b); }
inline Var operator/(const Var& a, const Var& b) { return div(a, b); }
inline Var operator-(const Var& a) { return neg(a); }
inline Var operator*(const Var& a, float s) { return scale(a, s); }
inline Var operator*(float s, const Var& a) { return scale(a, s); }
inline Var operator+(const Var& a, float s) { return add_scalar(a, s); }
inline Var operator+(float s, const Var& a) { return add_scalar(a, s); }
inline Var operator-(const Var& a, float s) { return add_scalar(a, -s); }
inline Var operator-(float s, const Var& a) { return add_scalar(neg(a), s); }

Var exp(const Var& a);
Var log(const Var& a);
Var tanh(const Var& a);
Var sigmoid(const Var& a);
Var relu(const Var& a);
Var softplus(const Var& a);  // log(1 + e^x), stable for large |x|

// ---- reductions --------------------------------------------------------------------------------
Var sum(const Var& a);  // all elements -> 0-d
Var sum(const Var& a, const std::vector<size_t>& axes, bool keepdims = false);
Var mean(const Var& a);
Var mean(const Var& a, const std::vector<size_t>& axes, bool keepdims = false);

// ---- shape -------------------------------------------------------------------------------------
Var reshape(const Var& a, const Shape& shape);  // same number of elements
Var transpose(const Var& a, const std::vector<size_t>& perm);
Var transpose(const Var& a);                     // reverses the axes (2-D: the matrix transpose)
Var concat(const std::vector<Var>& xs, size_t axis);
Var slice(const Var& a, size_t axis, size_t begin, size_t end);  // [begin, end) along axis
Var stack(const std::vector<Var>& xs, size_t axis);              // new axis

// ---- probability -------------------------------------------------------------------------------
// Over the last axis, numerically stable (max subtracted): finite for logits of +-1e4.
Var softmax(const Var& a);
Var log_softmax(const Var& a);

// ---- indexing ----------------------------------------------------------------------------------
// Rows of weight [V, E] picked by ids (any shape, values in [0, V)) -> [ids..., E].
Var embedding(const Var& weight, const IntTensor& ids);
// out[i] = a[i, idx[i]] with a [N, C] and idx [N] (e.g. Q(s, a) or log pi(a|s)) -> [N].
Var gather(const Var& a, const IntTensor& idx);

// ---- sequence ops ------------------------------------------------------------------------------
// 'valid' 1-D convolution over time by im2col + GEMM: x [B,T,Cin], w [K,Cin,Cout], b [Cout]
// -> [B, T-K+1, Cout]. Throws ShapeError when T < K.
Var conv1d(const Var& x, const Var& w, const Var& b);
// Max over the time axis: x [B,T,C] -> [B,C] (the gradient goes to the arg-max).
Var max_over_time(const Var& x);

// ---- regularisation and geometry ---------------------------------------------------------------
// Inverted dropout: in training, zeroes each element with probability p and scales the rest by
// 1/(1-p); in eval (training == false) or p == 0 it is the identity.
Var dropout(const Var& x, float p, bool training, Rng& rng);
// The same for rows [begin, begin + x.dim(0)) of a batch of `total` rows along axis 0 (a rank's
// shard in data-parallel training): draws the whole batch's mask from rng, as dropout() of the
// whole batch would, and applies this shard's rows of it. So every shard's mask, and rng's state
// afterwards, are those of one process on the whole batch; begin = 0, total = x.dim(0) is dropout().
Var dropout_rows(const Var& x, float p, bool training, Rng& rng, size_t begin, size_t total);
// x / sqrt(sum(x^2) + eps) over the last axis.
Var l2_normalize(const Var& x, float eps = 1e-12f);
// Cosine similarity over the last axis: [..., D] x [..., D] -> [...].
Var cosine_similarity(const Var& a, const Var& b, float eps = 1e-12f);
// The same value with no gradient flowing back (a leaf that does not require grad).
Var stop_gradient(const Var& x);

}  // namespace seqrl::nets
