// Benchmark timing in the peers' manner (shared/peers/*.py): warm up, size a block of calls to
// last at least min_time seconds, time `repeats` blocks, report min / median / max rates.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace seqrl::bench {

struct Rate {
  double min = 0, median = 0, max = 0;  // units per second
  long calls_per_repeat = 0;
  nlohmann::json to_json() const;
};

// Rate of fn in units per second (units_per_call units of work per call).
Rate measure_rate(const std::function<void()>& fn, double units_per_call, int repeats = 7,
                  double min_time = 1.0, int warmup = 3);

// Seconds per call of a slow fn: warmup calls, then `repeats` single timed calls (min/median/max).
Rate measure_seconds(const std::function<void()>& fn, int repeats = 5, int warmup = 1);

// seqrl's thread count, the OpenBLAS core name and thread count, and the environment knobs
// that change speed.
nlohmann::json blas_info();

}  // namespace seqrl::bench
