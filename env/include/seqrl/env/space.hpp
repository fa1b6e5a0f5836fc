// Spaces with Gymnasium's semantics (gymnasium/spaces): Discrete(n, start) and Box(low, high,
// shape). Each owns its Rng, seeded by seed(); sample() draws from it; contains() checks
// membership (shape, bounds, integrality).
#pragma once

#include <cstdint>
#include <string>

#include "seqrl/nets/rng.hpp"
#include "seqrl/nets/tensor.hpp"

namespace seqrl::env {

// {start, ..., start + n - 1}.
class Discrete {
 public:
  explicit Discrete(int64_t n, int64_t start = 0);
  int64_t sample();
  // A uniformly random allowed value among those with mask[i] != 0 (mask has n entries);
  // throws ValueError if the mask is the wrong length or allows nothing.
  int64_t sample(const std::vector<int8_t>& mask);
  bool contains(int64_t x) const { return x >= start && x < start + n; }
  void seed(uint64_t s) { rng_.seed(s); }
  std::string str() const;
  int64_t n, start;

 private:
  nets::Rng rng_;
};

// A box in R^shape with per-element bounds (infinite bounds allowed; sampling then draws from a
// normal or shifted exponential as Gymnasium does).
class Box {
 public:
  Box(float low, float high, const nets::Shape& shape);
  Box(nets::Tensor low, nets::Tensor high);
  nets::Tensor sample();
  bool contains(const nets::Tensor& x) const;
  void seed(uint64_t s) { rng_.seed(s); }
  std::string str() const;
  nets::Tensor low, high;
  nets::Shape shape;

 private:
  nets::Rng rng_;
};

}  // namespace seqrl::env
