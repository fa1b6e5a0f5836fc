// Initialisers drawing from an explicit Rng.
#include "seqrl/nets/init.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "seqrl/nets/error.hpp"

namespace seqrl::nets::init {

void fans(const Shape& shape, size_t& fan_in, size_t& fan_out) {
  if (shape.empty()) {
    fan_in = fan_out = 1;
  } else if (shape.size() == 1) {
    fan_in = fan_out = shape[0];
  } else {
    size_t receptive = 1;
    for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= shape[i];
    fan_in = receptive * shape[shape.size() - 2];
    fan_out = receptive * shape.back();
  }
}

Tensor zeros(const Shape& shape) { return constant(shape, 0.f); }

Tensor constant(const Shape& shape, float value) {
  Tensor t = Tensor::from_shape(shape);
  std::fill(t.begin(), t.end(), value);
  return t;
}

Tensor normal(const Shape& shape, Rng& rng, float mean, float std) {
  Tensor t = Tensor::from_shape(shape);
  for (auto& v : t) v = rng.normal(mean, std);
  return t;
}

Tensor truncated_normal(const Shape& shape, Rng& rng, float std) {
  if (!(std > 0.f)) throw ValueError("init::truncated_normal: std " + std::to_string(std) + ", expected > 0");
  Tensor t = Tensor::from_shape(shape);
  for (auto& v : t) {
    double z;
    do z = rng.normal_double(); while (std::abs(z) > 2.0);
    v = static_cast<float>(z * std);
  }
  return t;
}

Tensor uniform(const Shape& shape, Rng& rng, float lo, float hi) {
  if (!(lo <= hi))
    throw ValueError("init::uniform: lo " + std::to_string(lo) + " > hi " + std::to_string(hi));
  Tensor t = Tensor::from_shape(shape);
  for (auto& v : t) v = rng.uniform(lo, hi);
  return t;
}

Tensor xavier_uniform(const Shape& shape, Rng& rng, float gain) {
  size_t fi, fo;
  fans(shape, fi, fo);
  const float a = gain * std::sqrt(6.f / float(fi + fo));
  return uniform(shape, rng, -a, a);
}

Tensor xavier_normal(const Shape& shape, Rng& rng, float gain) {
  size_t fi, fo;
  fans(shape, fi, fo);
  return normal(shape, rng, 0.f, gain * std::sqrt(2.f / float(fi + fo)));
}

Tensor orthogonal(const Shape& shape, Rng& rng, float gain) {
  if (shape.size() != 2) throw ShapeError("init::orthogonal: a matrix shape, got " + shape_str(shape));
  const size_t R = shape[0], C = shape[1], n = std::max(R, C), k = std::min(R, C);
  // k orthonormal vectors of length n, modified Gram-Schmidt in double
  std::vector<double> q(k * n);
  for (auto& v : q) v = rng.normal_double();
  for (size_t j = 0; j < k; ++j) {
    double* v = q.data() + j * n;
    for (size_t i = 0; i < j; ++i) {
      const double* u = q.data() + i * n;
      double d = 0;
      for (size_t t = 0; t < n; ++t) d += u[t] * v[t];
      for (size_t t = 0; t < n; ++t) v[t] -= d * u[t];
    }
    double norm = 0;
    for (size_t t = 0; t < n; ++t) norm += v[t] * v[t];
    norm = std::sqrt(norm);
    if (norm < 1e-12) throw NumericError("init::orthogonal: degenerate draw");
    for (size_t t = 0; t < n; ++t) v[t] /= norm;
  }
  Tensor w = Tensor::from_shape({R, C});
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c)  // vector j, component t: columns when R >= C, else rows
      w(r, c) = float(gain * (R >= C ? q[c * n + r] : q[r * n + c]));
  return w;
}

Tensor he_normal(const Shape& shape, Rng& rng) {
  size_t fi, fo;
  fans(shape, fi, fo);
  return normal(shape, rng, 0.f, std::sqrt(2.f / float(fi)));
}

Tensor he_uniform(const Shape& shape, Rng& rng) {
  size_t fi, fo;
  fans(shape, fi, fo);
  const float a = std::sqrt(6.f / float(fi));
  return uniform(shape, rng, -a, a);
}

}  // namespace seqrl::nets::init
