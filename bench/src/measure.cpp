#include "seqrl/bench/measure.hpp"

#include "seqrl/nets/parallel.hpp"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>


namespace seqrl::bench {

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
Rate summarize(std::vector<double> v, long calls) {
  std::sort(v.begin(), v.end());
  Rate r;
  r.min = v.front();
  r.max = v.back();
  r.median = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  r.calls_per_repeat = calls;
  return r;
}
}  // namespace

nlohmann::json Rate::to_json() const {
  return {{"min", min}, {"median", median}, {"max", max}, {"calls_per_repeat", calls_per_repeat}};
}

Rate measure_rate(const std::function<void()>& fn, double units, int repeats, double min_time,
                  int warmup) {
  for (int i = 0; i < warmup; ++i) fn();
  long n = 1;
  for (;;) {
    const double t0 = now();
    for (long i = 0; i < n; ++i) fn();
    const double dt = now() - t0;
    if (dt >= min_time) break;
    n = std::max(n * 2, static_cast<long>(n * min_time / std::max(dt, 1e-6) * 1.1));
  }
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const double t0 = now();
    for (long i = 0; i < n; ++i) fn();
    rates.push_back(units * n / (now() - t0));
  }
  return summarize(rates, n);
}

Rate measure_seconds(const std::function<void()>& fn, int repeats, int warmup) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> ts;
  for (int r = 0; r < repeats; ++r) {
    const double t0 = now();
    fn();
    ts.push_back(now() - t0);
  }
  return summarize(ts, 1);
}

nlohmann::json blas_info() {
  const int seqrl_threads = nets::num_threads();  // first: creating the pool may pin OpenBLAS to 1
  const char* env_threads = std::getenv("OPENBLAS_NUM_THREADS");
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  return {{"seqrl_threads", seqrl_threads},
          {"openblas_core", openblas_get_corename()},
          {"openblas_threads", openblas_get_num_threads()},
          {"OPENBLAS_NUM_THREADS", env_threads ? env_threads : "(unset)"},
          {"OPENBLAS_CORETYPE", coretype ? coretype : "(unset)"}};
}

}  // namespace seqrl::bench
