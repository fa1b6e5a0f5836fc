// Initialisers: fresh tensors drawn from an explicit Rng (there is no global RNG).
// fan_in / fan_out of a shape: for 2-D [in, out] the two axes; for conv [K, Cin, Cout]
// K*Cin and K*Cout; for 1-D the one axis both ways.
#pragma once

#include "seqrl/nets/rng.hpp"
#include "seqrl/nets/tensor.hpp"

namespace seqrl::nets::init {

Tensor zeros(const Shape& shape);
Tensor constant(const Shape& shape, float value);
Tensor normal(const Shape& shape, Rng& rng, float mean = 0.f, float std = 1.f);
Tensor uniform(const Shape& shape, Rng& rng, float lo, float hi);
// N(0, std^2) with draws beyond 2 std drawn again (TensorFlow's truncated_normal).
Tensor truncated_normal(const Shape& shape, Rng& rng, float std);
// Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)); normal with std sqrt(2/(in+out)).
Tensor xavier_uniform(const Shape& shape, Rng& rng, float gain = 1.f);
Tensor xavier_normal(const Shape& shape, Rng& rng, float gain = 1.f);
// He/Kaiming for ReLU: N(0, 2 / fan_in) and U(-sqrt(6 / fan_in), sqrt(6 / fan_in)).
Tensor he_normal(const Shape& shape, Rng& rng);
// A [rows, cols] matrix with orthonormal columns (rows >= cols) or rows (rows < cols), times gain
// (Saxe et al. 2014; PyTorch's orthogonal_, which SB3's policies use): Gram-Schmidt on N(0, 1) draws.
Tensor orthogonal(const Shape& shape, Rng& rng, float gain = 1.f);
Tensor he_uniform(const Shape& shape, Rng& rng);

void fans(const Shape& shape, size_t& fan_in, size_t& fan_out);

}  // namespace seqrl::nets::init
