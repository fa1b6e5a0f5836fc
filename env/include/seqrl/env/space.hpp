// Spaces with Gymnasium's semantics (gymnasium/spaces): Discrete(n, start), Box(low, high, shape),
// MultiDiscrete(nvec) and TokenSequence(vocab, max_len). Each owns its Rng, seeded by seed();
// sample() draws from it (optionally under a mask); contains() checks membership (shape, bounds,
// integrality).
//
// Values travel as float32 tensors (nets::Tensor) whatever the space: a Discrete value is a 0-d
// tensor holding the integer, MultiDiscrete and TokenSequence hold integers in float (exact below
// 2^24). Actions travel as env::Action (see env.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "seqrl/nets/rng.hpp"
#include "seqrl/nets/tensor.hpp"

namespace seqrl::env {

class Space {
 public:
  virtual ~Space() = default;
  virtual std::string str() const = 0;
  // Membership of a value as a tensor (shape, bounds, integrality).
  virtual bool contains(const nets::Tensor& x) const = 0;
  // A uniformly random member (Box: uniform on finite bounds, see Box).
  virtual nets::Tensor sample() = 0;
  void seed(uint64_t s) { rng_.seed(s); }
  // The sampling Rng (its state() and set_state() carry a space through a checkpoint).
  nets::Rng& rng() { return rng_; }
  const nets::Rng& rng() const { return rng_; }
  // The shape of one value ({} for Discrete).
  virtual nets::Shape shape() const = 0;
  // The number of actions of a Discrete space, else 0.
  virtual int64_t n() const { return 0; }
  virtual std::unique_ptr<Space> clone() const = 0;

 protected:
  nets::Rng rng_;
};

// {start, ..., start + n - 1}.
class Discrete : public Space {
 public:
  explicit Discrete(int64_t n, int64_t start = 0);
  std::string str() const override;
  bool contains(const nets::Tensor& x) const override;
  bool contains(int64_t x) const { return x >= start && x < start + size; }
  nets::Tensor sample() override;
  int64_t sample_index();
  // A uniformly random value among those with mask[i] != 0 (mask has n entries); throws
  // ValueError if the mask has the wrong length or allows nothing.
  int64_t sample_index(const std::vector<int8_t>& mask);
  nets::Shape shape() const override { return {}; }
  int64_t n() const override { return size; }
  std::unique_ptr<Space> clone() const override { return std::make_unique<Discrete>(*this); }
  int64_t size, start;
};

// A box in R^shape with per-element bounds. Infinite bounds are allowed: sampling then draws from
// N(0,1) (both infinite) or a shifted exponential (one infinite), as Gymnasium does.
class Box : public Space {
 public:
  Box(float low, float high, const nets::Shape& shape);
  Box(nets::Tensor low, nets::Tensor high);
  std::string str() const override;
  bool contains(const nets::Tensor& x) const override;
  nets::Tensor sample() override;
  nets::Shape shape() const override { return shape_; }
  std::unique_ptr<Space> clone() const override { return std::make_unique<Box>(*this); }
  nets::Tensor low, high;

 private:
  nets::Shape shape_;
};

// A vector of independent discrete values, value i in [0, nvec[i]).
class MultiDiscrete : public Space {
 public:
  explicit MultiDiscrete(std::vector<int64_t> nvec);
  std::string str() const override;
  bool contains(const nets::Tensor& x) const override;
  nets::Tensor sample() override;
  nets::Shape shape() const override { return {nvec.size()}; }
  std::unique_ptr<Space> clone() const override { return std::make_unique<MultiDiscrete>(*this); }
  std::vector<int64_t> nvec;
};

// A token prefix of at most max_len tokens from [0, vocab), padded to max_len with pad (a value
// outside the vocabulary, -1 by default) so that batches stack into one tensor. contains() checks
// that the tokens come first and the padding after.
class TokenSequence : public Space {
 public:
  TokenSequence(int64_t vocab, size_t max_len, int64_t pad = -1);
  std::string str() const override;
  bool contains(const nets::Tensor& x) const override;
  // A random prefix: a uniform length in [0, max_len], uniform tokens.
  nets::Tensor sample() override;
  nets::Shape shape() const override { return {max_len}; }
  std::unique_ptr<Space> clone() const override { return std::make_unique<TokenSequence>(*this); }
  int64_t vocab;
  size_t max_len;
  int64_t pad;
};

}  // namespace seqrl::env
