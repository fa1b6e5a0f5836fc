// Initialisers drawing from an explicit Rng.
#include "seqrl/nets/init.hpp"

#include <cmath>

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
