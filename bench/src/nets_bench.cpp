// The nets engine's speed on SeqGAN's generator workload, and GEMM rates next to raw cblas_sgemm
// and xtensor-blas. The workload matches shared/peers/torch_seqgan.py (mle: teacher-forced
// fwd + bwd + clip 5.0 + Adam 0.01 on random token batches; sample: 64 whole sequences).
#include "seqrl/bench/nets_bench.hpp"

#include <cblas.h>

#include <sstream>

#include "seqrl/agents/mle/mle_trainer.hpp"
#include "seqrl/agents/leakgan/leakgan.hpp"
#include "seqrl/agents/seqgan/seqgan_trainer.hpp"
#include "seqrl/nets/models/discriminator.hpp"
#include "seqrl/bench/measure.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/nets/parallel.hpp"

namespace seqrl::bench {

namespace {
constexpr size_t kV = 5000, kE = 32, kH = 32, kT = 20, kB = 64;

bool wants(const std::string& parts, const std::string& p) {
  std::stringstream ss(parts);
  std::string item;
  while (std::getline(ss, item, ','))
    if (item == p) return true;
  return false;
}

nlohmann::json bench_matmul(const NetsBenchConfig& cfg) {
  struct Case {
    const char* name;
    size_t m, k, n;
  };
  // The generator's output-layer GEMMs (forward, d(hidden), d(weight)), sampling's GEMM, squares.
  const Case cases[] = {{"64x32.32x5000", 64, 32, 5000},
                        {"1280x32.32x5000", 1280, 32, 5000},
                        {"1280x5000.5000x32", 1280, 5000, 32},
                        {"32x1280.1280x5000", 32, 1280, 5000},
                        {"512x512.512x512", 512, 512, 512},
                        {"2048x2048.2048x2048", 2048, 2048, 2048}};
  nets::Rng rng(cfg.seed);
  nlohmann::json out;
  for (const auto& c : cases) {
    nets::Tensor a = nets::Tensor::from_shape({c.m, c.k}), b = nets::Tensor::from_shape({c.k, c.n});
    for (auto& v : a) v = rng.uniform(-1, 1);
    for (auto& v : b) v = rng.uniform(-1, 1);
    nets::Tensor cbuf = nets::Tensor::from_shape({c.m, c.n});
    const double flop = 2.0 * c.m * c.n * c.k;
    nets::Var va(a), vb(b);
    Rate ours = measure_rate([&] { nets::Var r = nets::matmul(va, vb); }, flop * 1e-9, cfg.repeats,
                             cfg.min_time, cfg.warmup);
    // The baseline is what a user calling OpenBLAS directly gets: its own threads, one per core.
    openblas_set_num_threads(nets::num_threads());
    Rate raw = measure_rate(
        [&] {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c.m, c.n, c.k, 1.f, a.data(), c.k,
                      b.data(), c.n, 0.f, cbuf.data(), c.n);
        },
        flop * 1e-9, cfg.repeats, cfg.min_time, cfg.warmup);
    if (nets::num_threads() > 1) openblas_set_num_threads(1);  // back to seqrl's setting
    out[c.name] = {{"ours_gflops", ours.to_json()},
                   {"cblas_sgemm_gflops", raw.to_json()},
                   {"ratio_median", ours.median / raw.median}};
  }
  return out;
}

// Random token batches, as the peer's pool of 8.
std::vector<nets::IntTensor> token_pool(nets::Rng& rng) {
  std::vector<nets::IntTensor> pool;
  for (int i = 0; i < 8; ++i) {
    nets::IntTensor x = nets::IntTensor::from_shape({kB, kT});
    for (auto& v : x) v = static_cast<int32_t>(rng.randint(kV));
    pool.push_back(std::move(x));
  }
  return pool;
}
}  // namespace

nlohmann::json run_nets_bench(const NetsBenchConfig& cfg) {
  nlohmann::json res;
  res["info"] = blas_info();
  res["config"] = {{"parts", cfg.parts}, {"repeats", cfg.repeats}, {"min_time", cfg.min_time},
                   {"warmup", cfg.warmup}, {"sizes", {{"vocab", kV}, {"emb", kE}, {"hidden", kH},
                                                      {"seq_len", kT}, {"batch", kB}}}};
  if (wants(cfg.parts, "matmul")) res["matmul"] = bench_matmul(cfg);
  nets::Rng rng(cfg.seed);
  nets::LSTMGeneratorConfig gc;
  gc.vocab = kV;
  gc.emb = kE;
  gc.hidden = kH;
  gc.seq_len = kT;
  nets::LSTMGenerator gen(gc, rng);
  if (wants(cfg.parts, "mle")) {
    auto pool = token_pool(rng);
    agents::MLEConfig mc;  // Adam 0.01, clip 5.0, as the peer
    agents::MLETrainer trainer(gen, mc);
    size_t it = 0;
    Rate r = measure_rate([&] { trainer.step(pool[it++ % pool.size()]); }, double(kB * kT),
                          cfg.repeats, cfg.min_time, cfg.warmup);
    res["mle_tokens_per_s"] = r.to_json();
  }
  if (wants(cfg.parts, "sample")) {
    nets::Rng srng(cfg.seed + 1);
    Rate r = measure_rate([&] { nets::IntTensor s = gen.sample(kB, srng); }, double(kB),
                          cfg.repeats, cfg.min_time, cfg.warmup);
    res["sample_seqs_per_s"] = r.to_json();
  }
  if (wants(cfg.parts, "disc") || wants(cfg.parts, "rollout")) {
    // SeqGAN's discriminator at the paper's sizes (emb 64, 12 filter sizes, 1,720 features)
    nets::DiscriminatorConfig dc;
    nets::Discriminator disc(dc, rng);
    auto pool = token_pool(rng);
    if (wants(cfg.parts, "disc")) {
      nets::Adam opt(disc.named_parameters(), 1e-4f);
      std::vector<int32_t> labels(kB);
      for (size_t i = 0; i < kB; ++i) labels[i] = int32_t(i % 2);
      size_t it = 0;
      disc.train();
      Rate tr = measure_rate(
          [&] {
            opt.zero_grad();
            nets::Var l = disc.loss(pool[it++ % pool.size()], labels);
            l.backward();
            opt.step();
          },
          double(kB), cfg.repeats, cfg.min_time, cfg.warmup);
      res["disc_train_seqs_per_s"] = tr.to_json();
      Rate inf = measure_rate([&] { auto p = disc.prob_real(pool[it++ % pool.size()]); }, double(kB),
                              cfg.repeats, cfg.min_time, cfg.warmup);
      res["disc_infer_seqs_per_s"] = inf.to_json();
    }
    if (wants(cfg.parts, "rollout")) {
      // SeqGAN's get_reward for one batch of 64 with 16 rollouts: 19,456 completions scored by D
      agents::SeqGANConfig sc = agents::seqgan_protocol("paper");
      agents::SeqGAN gan(sc, pool[0], kV, nullptr);
      gan.disc.load_state(disc.state());
      nets::hard_update(gan.gen, gen);
      nets::hard_update(gan.rollout, gen);
      Rate r = measure_seconds([&] { nets::Tensor q = gan.rewards(pool[1]); }, cfg.rollout_repeats, 1);
      res["rollout_s_per_batch"] = r.to_json();
    }
  }
  if (wants(cfg.parts, "disc_step")) {
    // A data-parallel D step's pieces at the paper's sizes (bench/project_scaleout.py): the
    // gradient (loss and backward, no update) of a shard of B sequences, for the shards a
    // global batch of 64 splits into over 1..64 ranks, and Adam's step over all 7.0 M
    // parameters alone. Milliseconds per call.
    nets::DiscriminatorConfig dc;
    nets::Discriminator disc(dc, rng);
    disc.train();
    nets::Adam opt(disc.named_parameters(), 1e-4f);
    nets::IntTensor seqs = token_pool(rng)[0];
    nlohmann::json grad;
    for (size_t b : {64, 32, 16, 4, 1}) {
      nets::IntTensor shard = nets::IntTensor::from_shape({b, kT});
      std::copy(seqs.data(), seqs.data() + b * kT, shard.data());
      std::vector<int32_t> labels(b);
      for (size_t i = 0; i < b; ++i) labels[i] = int32_t(i % 2);
      Rate r = measure_rate(
          [&] {
            opt.zero_grad();
            nets::Var l = disc.loss(shard, labels);
            l.backward();
          },
          1e-3, cfg.repeats, cfg.min_time, cfg.warmup);  // calls per ms
      grad[std::to_string(b)] = 1.0 / r.median;
    }
    res["disc_grad_ms_by_shard"] = grad;
    Rate a = measure_rate([&] { opt.step(); }, 1e-3, cfg.repeats, cfg.min_time, cfg.warmup);
    res["disc_adam_ms"] = 1.0 / a.median;
    size_t n = 0;
    for (const auto& [name, v] : disc.named_parameters()) n += v.value().size();
    res["disc_parameters"] = n;
  }
  if (wants(cfg.parts, "leak")) {
    // LeakGAN at SeqGAN's sizes (length 20, D with 1,720 features): one D forward pass of a batch
    // of 64 (the convolutions, not the score table), the leaked features of all 21 prefixes of
    // that batch, sampling 64 sequences with the leak, and one adversarial g-step (4 rollouts
    // every 4 tokens, both losses, both updates)
    auto pool = token_pool(rng);
    agents::LeakGANConfig lc = agents::leakgan_protocol("paper");
    agents::LeakGAN lg(lc, pool[0], kV, nullptr);
    lg.disc.eval();
    size_t it = 0;
    Rate fwd = measure_rate(
        [&] {
          nets::NoGrad ng;
          nets::Var l = lg.disc.logits(pool[it++ % pool.size()]);
        },
        double(kB), cfg.repeats, cfg.min_time, cfg.warmup);
    Rate leak = measure_rate([&] { nets::Tensor f = nets::leaked_features(lg.disc, pool[it++ % pool.size()]); },
                             double(kB), cfg.repeats, cfg.min_time, cfg.warmup);
    res["leak_disc_forward_seqs_per_s"] = fwd.to_json();
    res["leak_all_prefixes_seqs_per_s"] = leak.to_json();
    res["leak_cost_in_forward_passes"] = fwd.median / leak.median;
    nets::Rng srng(cfg.seed + 3);
    Rate smp = measure_rate([&] { nets::IntTensor x = lg.gen.sample(lg.disc, kB, srng); }, double(kB), cfg.repeats,
                            cfg.min_time, 1);
    res["leakgan_sample_seqs_per_s"] = smp.to_json();
    Rate gs = measure_seconds([&] { lg.g_step_on(pool[it++ % pool.size()]); }, cfg.rollout_repeats, 1);
    res["leakgan_g_step_s"] = gs.to_json();
  }
  return res;
}

}  // namespace seqrl::bench
