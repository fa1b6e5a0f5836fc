// Statistics for comparing agents over seeds, as Agarwal et al. (NeurIPS 2021, "Deep RL at the
// edge of the statistical precipice"; the rliable library) recommend: the mean, the median and
// the interquartile mean (IQM: the mean of the middle 50% of the scores, scipy's
// trim_mean(x, 0.25)) with 95% percentile-bootstrap confidence intervals, and scores normalised
// per env (random = 0, the env's reward threshold = 1) aggregated across envs with a stratified
// bootstrap (seeds resampled within each env). Every figure carries its seed count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seqrl::suite {

// scipy.stats.trim_mean(x, 0.25): drop int(0.25 n) scores from each end of the sorted scores and
// average the rest (n < 4: the plain mean). ValueError for no scores.
double iqm(std::vector<double> x);
double mean(const std::vector<double>& x);
// The median (the mean of the two middle values for even n).
double median(std::vector<double> x);

struct Interval {
  double point = 0, lo = 0, hi = 0;  // the statistic, and its 95% confidence interval
};
struct Summary {
  size_t n = 0;  // seeds
  Interval mean, median, iqm;
};
// The three statistics with percentile-bootstrap CIs: `resamples` resamples of the n scores
// with replacement, the 2.5th and 97.5th percentiles of each statistic (linear interpolation
// between order statistics, numpy's default). Deterministic for a given seed. With n = 1 the
// interval is the point.
Summary summarize(const std::vector<double>& scores, size_t resamples = 2000, uint64_t seed = 0);

// (score - random) / (threshold - random). ValueError when threshold == random.
double normalize(double score, double random, double threshold);

// An aggregate over several envs (one vector of normalised scores per env, one per seed): the
// statistic over all the pooled scores, with a stratified bootstrap CI (each env's scores
// resampled within the env, as rliable does). statistic: "mean", "median" or "iqm".
Interval aggregate(const std::vector<std::vector<double>>& per_env, const std::string& statistic,
                   size_t resamples = 2000, uint64_t seed = 0);

// rliable's probability of improvement (Agarwal et al. 2021): on each env, P(X > Y) of a score of
// agent X over one of agent Y (ties count half: the Mann-Whitney U statistic over n m), averaged
// over the envs; its 95% CI by a stratified bootstrap (each agent's scores resampled within each
// env). x_per_env[i] and y_per_env[i] are the two agents' scores (one per seed) on env i. Rank
// based: raw returns and normalised scores give the same value. ValueError for no envs, a
// different number of envs, or an env without scores.
Interval probability_of_improvement(const std::vector<std::vector<double>>& x_per_env,
                                    const std::vector<std::vector<double>>& y_per_env, size_t resamples = 2000,
                                    uint64_t seed = 0);

// The p-th percentile (0..100) of x, numpy's linear interpolation.
double percentile(std::vector<double> x, double p);

}  // namespace seqrl::suite
