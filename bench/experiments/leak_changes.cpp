// How much of the leak's highway could be skipped? The highway is two F x F products per prefix:
// with p_t the pooled features of prefix t, W p_t = W p_{t-1} + W (p_t - p_{t-1}), and only the
// channels whose pooled value changed from t-1 to t enter the update. This program counts those
// channels on a batch of 64 at SeqGAN's sizes (length 20, 1,720 features), for LeakGAN's
// discriminator as made and after a short interleaved pre-training on SeqGAN's oracle, on real
// sequences and on the generator's samples, and prints the arithmetic floor that follows: the
// leak of all T + 1 prefixes in D forward passes if the highway updated only changed channels.
// Then it times that update against the dense products on the same pooled features (one core:
// run with SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1), to see what the arithmetic floor is
// worth in practice.
// usage: leak_changes [ORACLE_DIR=../shared/data/seqgan_oracle] [PRETRAIN_ROUNDS=2] [SEED=1]
// (not in CI: build/bench/leak_changes)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "seqrl/agents/leakgan/leakgan.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/models/leakgan.hpp"
#include "seqrl/text/tasks.hpp"

using namespace seqrl;

namespace {
// per prefix step t = 1..T: the share of the batch's pooled channels that changed from t - 1
std::vector<double> changed_shares(const nets::Discriminator& d, const nets::IntTensor& seqs) {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1], F = d.features();
  nets::LeakStream s(d, B);
  std::vector<float> prev(B * F), cur(B * F);
  std::vector<int32_t> tok(B);
  std::vector<double> share;
  s.pooled(prev.data());
  for (size_t t = 0; t < T; ++t) {
    for (size_t b = 0; b < B; ++b) tok[b] = seqs(b, t);
    s.feed(tok.data());
    s.pooled(cur.data());
    size_t changed = 0;
    for (size_t i = 0; i < B * F; ++i) changed += cur[i] != prev[i];
    share.push_back(double(changed) / double(B * F));
    prev.swap(cur);
  }
  return share;
}

// Seconds (median of 5) for the highway's two pre-activation products W_gate p_t and W_transform
// p_t over all T + 1 prefixes of seqs: dense (one [B, F] x [F, F] product per prefix and matrix,
// as the leak computes them) and by changed channels (prefix 0 dense, then for each input
// channel c and each row whose pooled value changed, z[b] += (p_t - p_{t-1})[b, c] W[c, :]: one
// row of W read per channel, added into the rows that need it). Also the largest difference
// between the two results (they round differently).
nlohmann::json time_highway(const nets::Discriminator& d, const nets::IntTensor& seqs) {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1], F = d.features();
  std::vector<std::vector<float>> p(T + 1, std::vector<float>(B * F));
  nets::LeakStream s(d, B);
  std::vector<int32_t> tok(B);
  for (size_t t = 0; t <= T; ++t) {
    s.pooled(p[t].data());
    if (t == T) break;
    for (size_t b = 0; b < B; ++b) tok[b] = seqs(b, t);
    s.feed(tok.data());
  }
  const float* wg = d.highway->gate.weight.value().data();
  const float* wh = d.highway->transform.weight.value().data();
  std::vector<float> zg(B * F), zh(B * F), dense_last(B * F);
  using clock = std::chrono::steady_clock;
  auto median5 = [](const std::function<void()>& fn) {
    std::vector<double> v;
    for (int r = 0; r < 5; ++r) {
      const auto t0 = clock::now();
      fn();
      v.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    }
    std::sort(v.begin(), v.end());
    return v[2];
  };
  const double dense = median5([&] {
    for (size_t t = 0; t <= T; ++t) {
      nets::kernels::sgemm(false, false, B, F, F, 1.f, p[t].data(), F, wg, F, 0.f, zg.data(), F);
      nets::kernels::sgemm(false, false, B, F, F, 1.f, p[t].data(), F, wh, F, 0.f, zh.data(), F);
    }
  });
  dense_last = zg;
  std::vector<float> delta(B);
  std::vector<size_t> rows(B);
  const double sparse = median5([&] {
    nets::kernels::sgemm(false, false, B, F, F, 1.f, p[0].data(), F, wg, F, 0.f, zg.data(), F);
    nets::kernels::sgemm(false, false, B, F, F, 1.f, p[0].data(), F, wh, F, 0.f, zh.data(), F);
    for (size_t t = 1; t <= T; ++t) {
      for (size_t c = 0; c < F; ++c) {
        size_t m = 0;
        for (size_t b = 0; b < B; ++b) {
          const float dv = p[t][b * F + c] - p[t - 1][b * F + c];
          if (dv != 0.f) delta[m] = dv, rows[m++] = b;
        }
        const float* g = wg + c * F;
        const float* h = wh + c * F;
        for (size_t j = 0; j < m; ++j) {
          float* yg = zg.data() + rows[j] * F;
          float* yh = zh.data() + rows[j] * F;
          const float dv = delta[j];
          for (size_t k = 0; k < F; ++k) yg[k] += dv * g[k], yh[k] += dv * h[k];
        }
      }
    }
  });
  float diff = 0, scale = 0;
  for (size_t i = 0; i < B * F; ++i)
    diff = std::max(diff, std::abs(zg[i] - dense_last[i])), scale = std::max(scale, std::abs(dense_last[i]));
  return {{"dense_seconds", dense}, {"changed_channels_seconds", sparse}, {"ratio", sparse / dense},
          {"max_abs_difference_last_prefix", diff}, {"max_abs_value", scale}};
}

// D's forward-pass multiply-adds per sequence: the convolutions and the highway
std::pair<double, double> forward_macs(const nets::Discriminator& d) {
  const auto& c = d.cfg;
  double conv = 0;
  for (size_t k = 0; k < c.filter_sizes.size(); ++k)
    if (c.filter_sizes[k] <= c.seq_len)
      conv += double(c.seq_len - c.filter_sizes[k] + 1) * double(c.filter_sizes[k]) * double(c.emb) * double(c.num_filters[k]);
  const double F = double(d.features());
  return {conv, 2 * F * F};
}
}  // namespace

int main(int argc, char** argv) {
  const std::string oracle_dir = argc > 1 ? argv[1] : text::data_path("seqgan_oracle");
  const size_t rounds = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  text::TextTaskOptions o;
  o.oracle_dir = oracle_dir;
  const text::TextTask task = text::load_text_task("oracle", o, seed);
  agents::LeakGANConfig cfg = agents::leakgan_protocol("paper");  // D at SeqGAN's sizes
  cfg.seed = seed;
  cfg.pretrain_rounds = rounds;  // each: 2 D rounds (3 epochs over real + negatives), 2 G epochs
  cfg.pretrain_d_rounds = 2;
  cfg.pretrain_g_epochs = 2;
  cfg.eval_samples = 512;
  agents::LeakGAN lg(cfg, task.real, task.vocab_size, task.oracle.get());
  lg.disc.eval();
  const auto [conv, highway] = forward_macs(lg.disc);
  nets::IntTensor real = nets::IntTensor::from_shape({64, task.real.shape()[1]});
  std::copy(task.real.data(), task.real.data() + real.size(), real.data());
  // (conv and highway by copy: clang before 16 cannot capture a structured binding)
  auto report = [&, conv = conv, highway = highway](const std::string& when, const std::string& on, const nets::IntTensor& seqs) {
    const std::vector<double> share = changed_shares(lg.disc, seqs);
    double sum = 0;
    for (double x : share) sum += x;
    // prefix 0 is all padding (one full highway), each later prefix updates its changed channels
    const double floor = (conv + (1 + sum) * highway) / (conv + highway);
    nlohmann::json j = {{"discriminator", when}, {"sequences", on}, {"changed_share_per_step", share},
                        {"sum_of_shares", sum}, {"prefixes", share.size() + 1},
                        {"leak_floor_in_forward_passes_full_highway", (conv + (share.size() + 1) * highway) / (conv + highway)},
                        {"leak_floor_in_forward_passes_changed_channels_only", floor}};
    j["highway_timing_one_core"] = time_highway(lg.disc, seqs);
    std::cout << j.dump() << std::endl;
  };
  nets::Rng rng(seed + 7);
  report("as made", "real", real);
  report("as made", "generated", lg.gen.sample(lg.disc, 64, rng));
  lg.pretrain([](const std::string& phase, long i, const std::string& name, double v) {
    std::cerr << phase << " " << i << " " << name << " " << v << "\n";
  });
  lg.disc.eval();
  report("after " + std::to_string(rounds) + " pre-training rounds", "real", real);
  report("after " + std::to_string(rounds) + " pre-training rounds", "generated", lg.gen.sample(lg.disc, 64, rng));
  return 0;
}
