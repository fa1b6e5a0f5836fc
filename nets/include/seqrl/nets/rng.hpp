// Rng: the one random generator type in seqrl. Every component that draws random numbers owns an
// Rng (or is handed one); there is no global RNG. The engine is MT19937 (32-bit), the same stream
// as numpy's legacy RandomState and C++ std::mt19937, and every distribution is written out here
// (not std::*_distribution, whose algorithms differ between standard libraries), so the same seed
// gives the same numbers on every platform.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

namespace seqrl::nets {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { this->seed(seed); }

  // Re-seeds as numpy.random.RandomState(seed) does for seeds below 2^32 (init_genrand).
  void seed(uint64_t seed) {
    engine_.seed(static_cast<std::mt19937::result_type>(seed & 0xffffffffu) ^
                 static_cast<std::mt19937::result_type>(seed >> 32));
    has_spare_ = false;
  }

  uint32_t next_u32() { return static_cast<uint32_t>(engine_()); }

  // Uniform in [0, 1) with 53 random bits: numpy's random_sample (a>>5, b>>6).
  double uniform_double() {
    uint32_t a = next_u32() >> 5, b = next_u32() >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }
  // Uniform float in [0, 1) from 24 random bits.
  float uniform() { return (next_u32() >> 8) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

  // Standard normal by the polar method, as numpy's legacy gauss (one spare kept).
  double normal_double() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double x1, x2, r2;
    do {
      x1 = 2.0 * uniform_double() - 1.0;
      x2 = 2.0 * uniform_double() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = std::sqrt(-2.0 * std::log(r2) / r2);
    spare_ = f * x1;
    has_spare_ = true;
    return f * x2;
  }
  float normal(float mean = 0.f, float std = 1.f) {
    return mean + std * static_cast<float>(normal_double());
  }

  // Uniform integer in [0, n), n >= 1, without modulo bias (rejection on the top range).
  uint64_t randint(uint64_t n) {
    if (n <= 1) return 0;
    if (n <= 0xffffffffull) {
      uint32_t lim = static_cast<uint32_t>(0xffffffffull - (0x100000000ull % n));
      uint32_t x;
      do x = next_u32();
      while (x > lim);
      return x % n;
    }
    uint64_t x;
    do x = (uint64_t(next_u32()) << 32) | next_u32();
    while (x >= (~0ull - (~0ull % n)));
    return x % n;
  }

  // The full state as text (engine words and the spare normal), for checkpoints.
  std::string state() const;
  // Restores a state produced by state(); throws seqrl::ValueError on malformed text.
  void set_state(const std::string& s);

 private:
  std::mt19937 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace seqrl::nets
