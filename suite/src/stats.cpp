#include "seqrl/suite/stats.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "seqrl/nets/error.hpp"
#include "seqrl/nets/rng.hpp"

namespace seqrl::suite {

double mean(const std::vector<double>& x) {
  if (x.empty()) throw ValueError("mean of no scores");
  double s = 0;
  for (double v : x) s += v;
  return s / double(x.size());
}

double median(std::vector<double> x) {
  if (x.empty()) throw ValueError("median of no scores");
  std::sort(x.begin(), x.end());
  const size_t n = x.size();
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

double iqm(std::vector<double> x) {
  if (x.empty()) throw ValueError("IQM of no scores");
  std::sort(x.begin(), x.end());
  const size_t n = x.size(), cut = size_t(0.25 * double(n));
  double s = 0;
  for (size_t i = cut; i < n - cut; ++i) s += x[i];
  return s / double(n - 2 * cut);
}

double percentile(std::vector<double> x, double p) {
  if (x.empty()) throw ValueError("percentile of no values");
  std::sort(x.begin(), x.end());
  const double pos = p / 100.0 * double(x.size() - 1);
  const size_t lo = size_t(std::floor(pos)), hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (pos - double(lo)) * (x[hi] - x[lo]);
}

namespace {
using Stat = std::function<double(const std::vector<double>&)>;
Stat stat_of(const std::string& name) {
  if (name == "mean") return [](const std::vector<double>& v) { return mean(v); };
  if (name == "median") return [](const std::vector<double>& v) { return median(v); };
  if (name == "iqm") return [](const std::vector<double>& v) { return iqm(v); };
  throw ValueError("unknown statistic '" + name + "' (known: mean, median, iqm)");
}

// Percentile CI of stat over stratified resamples (each stratum resampled within itself).
Interval bootstrap(const std::vector<std::vector<double>>& strata, const Stat& stat, size_t resamples,
                   uint64_t seed) {
  std::vector<double> pooled;
  for (const auto& s : strata) pooled.insert(pooled.end(), s.begin(), s.end());
  Interval r;
  r.point = r.lo = r.hi = stat(pooled);
  bool varies = false;
  for (const auto& s : strata) varies |= s.size() > 1;
  if (!varies || resamples == 0) return r;
  nets::Rng rng(seed);
  std::vector<double> draws(resamples), sample(pooled.size());
  for (size_t k = 0; k < resamples; ++k) {
    size_t j = 0;
    for (const auto& s : strata)
      for (size_t i = 0; i < s.size(); ++i) sample[j++] = s[rng.randint(s.size())];
    draws[k] = stat(sample);
  }
  r.lo = percentile(draws, 2.5);
  r.hi = percentile(draws, 97.5);
  return r;
}
}  // namespace

Summary summarize(const std::vector<double>& scores, size_t resamples, uint64_t seed) {
  if (scores.empty()) throw ValueError("summarize: no scores");
  Summary s;
  s.n = scores.size();
  s.mean = bootstrap({scores}, stat_of("mean"), resamples, seed);
  s.median = bootstrap({scores}, stat_of("median"), resamples, seed + 1);
  s.iqm = bootstrap({scores}, stat_of("iqm"), resamples, seed + 2);
  return s;
}

double normalize(double score, double random, double threshold) {
  if (threshold == random)
    throw ValueError("normalize: the threshold equals the random score (" + std::to_string(random) + ")");
  return (score - random) / (threshold - random);
}

Interval aggregate(const std::vector<std::vector<double>>& per_env, const std::string& statistic,
                   size_t resamples, uint64_t seed) {
  for (const auto& e : per_env)
    if (e.empty()) throw ValueError("aggregate: an env without scores");
  if (per_env.empty()) throw ValueError("aggregate: no envs");
  return bootstrap(per_env, stat_of(statistic), resamples, seed);
}

namespace {
double improvement(const std::vector<std::vector<double>>& x, const std::vector<std::vector<double>>& y) {
  double total = 0;
  for (size_t e = 0; e < x.size(); ++e) {
    double u = 0;
    for (double a : x[e])
      for (double b : y[e]) u += a > b ? 1.0 : a == b ? 0.5 : 0.0;
    total += u / double(x[e].size() * y[e].size());
  }
  return total / double(x.size());
}
}  // namespace

Interval probability_of_improvement(const std::vector<std::vector<double>>& x, const std::vector<std::vector<double>>& y,
                                    size_t resamples, uint64_t seed) {
  if (x.empty() || x.size() != y.size())
    throw ValueError("probability_of_improvement: " + std::to_string(x.size()) + " and " + std::to_string(y.size()) +
                     " envs (the same number, at least one)");
  for (size_t e = 0; e < x.size(); ++e)
    if (x[e].empty() || y[e].empty()) throw ValueError("probability_of_improvement: env " + std::to_string(e) + " without scores");
  Interval r;
  r.point = r.lo = r.hi = improvement(x, y);
  bool varies = false;
  for (size_t e = 0; e < x.size(); ++e) varies |= x[e].size() > 1 || y[e].size() > 1;
  if (!varies || resamples == 0) return r;
  nets::Rng rng(seed);
  std::vector<double> draws(resamples);
  std::vector<std::vector<double>> xs = x, ys = y;
  for (size_t k = 0; k < resamples; ++k) {
    for (size_t e = 0; e < x.size(); ++e) {
      for (auto& v : xs[e]) v = x[e][rng.randint(x[e].size())];
      for (auto& v : ys[e]) v = y[e][rng.randint(y[e].size())];
    }
    draws[k] = improvement(xs, ys);
  }
  r.lo = percentile(draws, 2.5);
  r.hi = percentile(draws, 97.5);
  return r;
}

}  // namespace seqrl::suite
