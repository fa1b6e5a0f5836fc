// LeakGAN: the incremental leak against the features of each padded prefix computed directly,
// the sampling path against the scoring path, the rescale (ranks, ties, order), each loss against
// its formula, finite-difference gradients through the manager and the worker, learning,
// NLL-oracle inside pre-training, and the pre-training saved and resumed by rounds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cmath>

#include <unistd.h>

#include "metrics_file.hpp"
#include "seqrl/agents/leakgan/leakgan.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/nets/init.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/ops.hpp"

using namespace seqrl;
using namespace seqrl::agents;

namespace {
nets::DiscriminatorConfig small_disc(size_t vocab, size_t T) {
  nets::DiscriminatorConfig d;
  d.vocab = vocab, d.seq_len = T, d.emb = 6;
  d.filter_sizes = {1, 2, 3, 5};
  d.num_filters = {4, 3, 5, 2};
  d.dropout_keep = 1.f, d.l2 = 0.f;
  return d;
}
nets::IntTensor random_ids(size_t B, size_t T, size_t V, nets::Rng& r) {
  nets::IntTensor x = nets::IntTensor::from_shape({B, T});
  for (auto& v : x) v = int32_t(r.randint(V));
  return x;
}
// D's highway output for one sequence whose positions >= t are D's leak_pad (zero vectors when it
// has none), by the layer ops
nets::Tensor direct_features(nets::Discriminator& d, const nets::IntTensor& seqs, size_t b, size_t t) {
  nets::NoGrad ng;
  const size_t T = d.cfg.seq_len, E = d.cfg.emb;
  nets::IntTensor one = nets::IntTensor::from_shape({1, T});
  for (size_t k = 0; k < T; ++k) one(0, k) = seqs(b, k);
  nets::Tensor x = d.embedding.forward(one).value();
  for (size_t k = t; k < T; ++k)
    for (size_t e = 0; e < E; ++e) x(0, k, e) = d.leak_pad.empty() ? 0.f : d.leak_pad[e];
  std::vector<nets::Var> pooled;
  for (auto& conv : d.convs) pooled.push_back(nets::max_over_time(nets::relu(conv->forward(nets::Var(x)))));
  return d.highway->forward(nets::concat(pooled, 1)).value();
}
}  // namespace

TEST_CASE("leakgan: the incremental leak equals D's features of every padded prefix, zero or D's leak_pad", "[agents][leakgan]") {
  nets::Rng r(3);
  nets::Discriminator d(small_disc(30, 7), r);
  const nets::IntTensor seqs = random_ids(3, 7, 30, r);
  const nets::Tensor zero_padded = nets::leaked_features(d, seqs);
  for (bool pad : {false, true}) {
    INFO("leak_pad: " << pad);
    if (pad) {
      const nets::Tensor p = nets::init::uniform({6}, r, -1.f, 1.f);
      d.leak_pad.assign(p.begin(), p.end());
    }
    const nets::Tensor f = nets::leaked_features(d, seqs);
    REQUIRE(f.shape()[1] == 8);
    double worst = 0, moved = 0;
    for (size_t b = 0; b < 3; ++b)
      for (size_t t = 0; t <= 7; ++t) {
        const nets::Tensor want = direct_features(d, seqs, b, t);
        for (size_t i = 0; i < d.features(); ++i) {
          worst = std::max(worst, double(std::abs(f(b, t, i) - want(0, i))));
          const double m = std::abs(f(b, t, i) - zero_padded(b, t, i));
          if (t == 7) CHECK(m == 0);  // the whole sequence has no padding
          else moved = std::max(moved, m);
        }
      }
    CHECK(worst < 1e-5);
    if (pad) CHECK(moved > 1e-2);  // the pad is seen by every shorter prefix
    else CHECK(moved == 0);
  }
  nets::Discriminator odd(small_disc(30, 7), r);
  odd.leak_pad.assign(5, 0.5f);
  CHECK_THROWS_WITH(nets::leaked_features(odd, seqs), Catch::Contains("leak_pad has 5 values, expected 6"));
}

TEST_CASE("leakgan: sampling, next-token logits and scoring are one distribution (no off-by-one goal)", "[agents][leakgan]") {
  for (const char* window : {"sliding", "block"})
  for (size_t slots : {0, 3}) {
    INFO(window << ", goal_init slots: " << slots);
    nets::Rng r(5);
    nets::Discriminator d(small_disc(25, 9), r);
    nets::LeakGANGeneratorConfig gc;
    gc.vocab = 25, gc.seq_len = 9, gc.emb = 5, gc.hidden = 6, gc.goal_size = 3, gc.step_size = 2;
    gc.goal_window = window;
    gc.normalize_w = std::string(window) == "block";
    gc.goal_init_slots = slots;
    nets::LeakGANGenerator g(gc, d.features(), r);
    // the first token reads goal_init alone: rows of one slot (0 and 3 of 3) alike, of two not
    {
      const nets::IntTensor none = nets::IntTensor::from_shape({4, 9});
      const nets::Tensor l0 = g.next_logits(d, none, 0);
      double same = 0, other = 0;
      for (size_t v = 0; v < 25; ++v)
        same += std::abs(l0(0, v) - l0(3, v)), other += std::abs(l0(0, v) - l0(1, v));
      CHECK(same < 1e-5);  // (rows of one GEMM may round apart)
      if (slots) CHECK(other > 1e-3);
      else CHECK(other < 1e-5);
    }
    nets::Rng s(9);
    const nets::IntTensor seqs = g.sample(d, 4, s);
    const nets::Tensor lp = g.log_probs(d, seqs);
    for (size_t t = 0; t < 9; ++t) {
      const nets::Tensor logits = g.next_logits(d, seqs, t);
      nets::Tensor ls = logits;
      nets::kernels::log_softmax_rows(logits.data(), ls.data(), 4, 25);
      for (size_t b = 0; b < 4; ++b) CHECK(ls(b, size_t(seqs(b, t))) == Approx(lp(b, t)).margin(2e-5));
    }
    // the same seed samples the same sequences, and rows of the call computed apart the same rows;
    // a completion keeps its prefix
    nets::Rng s2(9);
    const bool same = g.sample(d, 4, s2) == seqs;
    CHECK(same);
    nets::Rng s4(9), s5(9);
    const nets::IntTensor many = g.sample(d, 200, s4);
    const bool same_rows = g.sample_rows(d, 200, s5, 31, 200) == nets::row_slice(many, 31, 200);
    CHECK(same_rows);
    nets::Rng s3(1);
    const nets::IntTensor c = g.complete(d, seqs, 4, s3);
    for (size_t b = 0; b < 4; ++b)
      for (size_t t = 0; t < 4; ++t) CHECK(c(b, t) == seqs(b, t));
    // temperature: log_probs at T sum to 1 over the vocabulary through next_logits / T
    const nets::Tensor lp2 = g.log_probs(d, seqs, 0.5f);
    CHECK(lp2(0, 0) != Approx(lp(0, 0)));
  }
}

TEST_CASE("leakgan: the rescale ranks within the batch, ties share a value, permuting the batch permutes the rewards", "[agents][leakgan]") {
  const std::vector<double> q = {0.2, 0.9, 0.5, 0.5, 0.1};
  const std::vector<double> r = descending_ranks(q);
  CHECK(r == std::vector<double>{3, 0, 1.5, 1.5, 4});
  const std::vector<double> v = rescale_by_rank(q, 16);
  CHECK(v[1] == Approx(1 / (1 + std::exp(-16 * 0.5))));         // rank 0 of 5
  CHECK(v[4] == Approx(1 / (1 + std::exp(-16 * (0.5 - 0.8)))));  // rank 4 of 5
  CHECK(v[2] == v[3]);                                          // ties
  CHECK(v[1] > v[2]);
  CHECK(v[2] > v[0]);
  CHECK(v[0] > v[4]);
  // order independence
  const std::vector<size_t> perm = {3, 0, 4, 1, 2};
  std::vector<double> qp(5);
  for (size_t i = 0; i < 5; ++i) qp[i] = q[perm[i]];
  const std::vector<double> vp = rescale_by_rank(qp, 16);
  for (size_t i = 0; i < 5; ++i) CHECK(vp[i] == v[perm[i]]);
  // the reference code's rescale depends on the position, not the score: its mean is a constant
  // (0.126951815... for 64 distinct scores and 4 rollouts, LeakGAN issue #17)
  nets::Rng rng(2);
  std::vector<double> a(64), b(64);
  for (auto& x : a) x = rng.uniform_double();
  for (auto& x : b) x = rng.uniform_double();
  auto mean = [](const std::vector<double>& x) {
    double s = 0;
    for (double v : x) s += v / double(x.size());
    return s;
  };
  CHECK(mean(rescale_by_position(a, 16, 4)) == Approx(0.12695181503855285).epsilon(1e-9));
  CHECK(mean(rescale_by_position(b, 16, 4)) == Approx(0.12695181503855285).epsilon(1e-9));
  CHECK(std::abs(spearman(rescale_by_position(a, 16, 4), a)) < 0.35);
  CHECK(spearman(rescale_by_rank(a, 16), a) == Approx(1.0));
}

namespace {
LeakGANConfig tiny_config() {
  LeakGANConfig c = leakgan_protocol("fast");
  c.emb = 5, c.hidden = 6, c.goal_size = 3, c.step_size = 3, c.batch = 8;
  c.disc = small_disc(20, 9);
  c.pretrain_rounds = 1, c.pretrain_d_rounds = 1, c.pretrain_g_epochs = 1;
  c.negatives = 32, c.rollouts = 2, c.d_steps = 1, c.eval_samples = 64, c.seed = 3;
  c.adversarial_lr = 0.f;  // the tests choose one rate for everything, g_lr
  return c;
}
// A random oracle of tiny_config's sizes (vocab 20, length 9; seed 5)
text::Oracle tiny_oracle() {
  nets::LSTMGeneratorConfig oc;
  oc.vocab = 20, oc.emb = 6, oc.hidden = 6, oc.seq_len = 9;
  return text::Oracle::random(oc, 5);
}
// By hand, for the losses' formulas: G_k, the goal sum block k of row b is scored with under the
// code's block window (the c goals before the block, goal_init's where they come before the
// first; with the code's shift, each later block's one prefix later), from goals g [B, T, F]
std::vector<double> block_goal_sum(const nets::LeakGANGenerator& gen, const nets::Tensor& g, size_t b, size_t k,
                                   size_t c, bool shift) {
  const size_t F = g.shape()[2];
  std::vector<double> G(F, 0.0);
  for (long j = long(k * c) - long(c) + (shift && k > 0); j < long(k * c) + (shift && k > 0); ++j)
    for (size_t i = 0; i < F; ++i) G[i] += j < 0 ? gen.goal_init(i) : g(b, size_t(j), i);
  return G;
}
// cos(f[b, t1] - f[b, t0], goal) of features f [B, T + 1, F]
double cos_of_change(const nets::Tensor& f, size_t b, size_t t1, size_t t0, const std::vector<double>& goal) {
  double dot = 0, na = 0, ng = 0;
  for (size_t i = 0; i < goal.size(); ++i) {
    const double d = f(b, t1, i) - f(b, t0, i);
    dot += d * goal[i], na += d * d, ng += goal[i] * goal[i];
  }
  return dot / std::sqrt(na * ng);
}
// Both LeakGANs' generator and discriminator parameters, bit for bit
void same_parameters(LeakGAN& a, LeakGAN& b) {
  for (auto [pa, pb] : {std::pair(a.gen.named_parameters(), b.gen.named_parameters()),
                        std::pair(a.disc.named_parameters(), b.disc.named_parameters())}) {
    REQUIRE(pa.size() == pb.size());
    for (size_t k = 0; k < pa.size(); ++k) {
      INFO(pa[k].first);
      const nets::Tensor &x = pa[k].second.value(), &y = pb[k].second.value();
      CHECK(std::equal(x.begin(), x.end(), y.begin()));
    }
  }
}
// The agent on the oracle task tiny_config's sizes fit (5,000 tokens would not: vocab 20, length 9)
std::unique_ptr<LeakGANAgent> tiny_agent(const LeakGANConfig& gan, size_t samples,
                                         const std::string& pretrain_checkpoint = "") {
  LeakGANAgentConfig ac;
  ac.env_id = "TextOracle-v0";
  ac.env_options = {{"vocab", 20}, {"seq_len", 9}, {"oracle_seed", 3}};
  ac.samples = samples;
  ac.gan = gan;
  ac.pretrain_checkpoint = pretrain_checkpoint;
  auto probe = env::make(ac.env_id, ac.env_options);
  return LeakGANAgent::for_spaces(probe->observation_space(), probe->action_space(), ac);
}
}  // namespace

TEST_CASE("leakgan: --score-goal-shift scores with each block's goals one prefix later than sampling (LeakGAN's code's teacher-forced graph), and sampling is unchanged", "[agents][leakgan]") {
  const size_t V = 25, T = 9, c = 3;
  for (const char* window : {"block", "sliding"}) {
    INFO(window);
    nets::Rng r(5), r2(5);
    nets::Discriminator d(small_disc(V, T), r);
    nets::Discriminator d2(small_disc(V, T), r2);
    nets::LeakGANGeneratorConfig gc;
    gc.vocab = V, gc.seq_len = T, gc.emb = 5, gc.hidden = 6, gc.goal_size = 3, gc.step_size = c;
    gc.goal_window = window;
    gc.normalize_w = true;
    nets::LeakGANGenerator one(gc, d.features(), r);
    gc.score_goal_shift = true;
    nets::LeakGANGenerator shifted(gc, d2.features(), r2);  // (the same parameters: the flag draws nothing)
    // the goal sums by hand from goals g [B, T, F]: block: the c goals of the c prefixes before the
    // block, or, shifted, the c ending with the prefix the block starts at; sliding: before t, or
    // ending at t; goals before the first are g_init, and a position with nothing before it keeps
    // g_init's c copies either way
    nets::Rng gr(3);
    const size_t B = 2, F = d.features();
    nets::Tensor g = nets::Tensor::from_shape({B, T, F});
    for (auto& v : g) v = float(gr.normal());
    const nets::Tensor G = shifted.goal_sums(g), G0 = one.goal_sums(g);
    for (size_t b = 0; b < B; ++b)
      for (size_t t = 0; t < T; ++t) {
        const long end = std::string(window) == "block" ? long(t / c * c) : long(t);
        const long from = end > 0 ? end - long(c) + 1 : end - long(c);
        for (size_t i = 0; i < F; ++i) {
          double want = 0, unshifted = 0;
          for (long j = from; j < from + long(c); ++j) want += j < 0 ? one.goal_init(i) : g(b, size_t(j), i);
          for (long j = end - long(c); j < end; ++j) unshifted += j < 0 ? one.goal_init(i) : g(b, size_t(j), i);
          CHECK(G(b, t, i) == Approx(want).margin(1e-5));
          CHECK(G0(b, t, i) == Approx(unshifted).margin(1e-5));
        }
      }
    // sampling reads no goal sums: the same draws give the same sequences; scoring differs where
    // the goals do (after the first position whose sum has a goal before it)
    nets::Rng s(9), s2(9);
    const nets::IntTensor seqs = one.sample(d, 4, s);
    const bool same = shifted.sample(d2, 4, s2) == seqs;
    CHECK(same);
    // ... and the same next-token logits at every position (the draws above could hide a change
    // too small to move a token)
    for (size_t t = 0; t < T; ++t) {
      const nets::Tensor a = one.next_logits(d, seqs, t), a2 = shifted.next_logits(d2, seqs, t);
      CHECK(a2 == a);
    }
    const nets::Tensor lp = one.log_probs(d, seqs), lp2 = shifted.log_probs(d2, seqs);
    const size_t first = std::string(window) == "block" ? c : 1;
    size_t differ = 0;
    for (size_t b = 0; b < 4; ++b)
      for (size_t t = 0; t < T; ++t) {
        if (t < first) CHECK(lp2(b, t) == lp(b, t));
        else differ += lp2(b, t) != lp(b, t);
      }
    CHECK(differ == 4 * (T - first));
  }
  CHECK_FALSE(leakgan_protocol("paper-reference").score_goal_shift);
  // the agent's option reaches its generator
  nets::Rng r(11);
  LeakGANConfig on = tiny_config();
  on.score_goal_shift = true;
  CHECK(LeakGAN(on, random_ids(40, T, 20, r), 20, nullptr).gen.cfg.score_goal_shift);
  CHECK_FALSE(LeakGAN(tiny_config(), random_ids(40, T, 20, r), 20, nullptr).gen.cfg.score_goal_shift);
}

TEST_CASE("leakgan: each loss is its formula (manager: Q-weighted cosine, worker: (Q + alpha r_I) NLL, the reference worker: its batch scalar x mean NLL)", "[agents][leakgan]") {
  nets::Rng r(11);
  const nets::IntTensor real = random_ids(40, 9, 20, r);
  LeakGAN lg(tiny_config(), real, 20, nullptr);
  const nets::IntTensor x = random_ids(4, 9, 20, r);
  nets::Tensor q = nets::Tensor::from_shape({4, 3});
  for (auto& v : q) v = r.uniform();
  const LeakGAN::Losses l = lg.losses(x, q, false);
  // the manager: -(1/(B M)) sum Q[b, t/c] cos(f_{t+c} - f_t, g_t), M = T - c + 1
  const nets::Tensor f = nets::leaked_features(lg.disc, x);
  const nets::Tensor g = lg.gen.goals(f).value();
  const size_t F = lg.disc.features(), T = 9, c = 3, M = 7;
  double want = 0, intr = 0;
  auto cosine = [&](size_t b, size_t t1, size_t t0, size_t tg) {
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < F; ++i) {
      const double dlt = f(b, t1, i) - f(b, t0, i);
      dot += dlt * g(b, tg, i), na += dlt * dlt, nb += double(g(b, tg, i)) * g(b, tg, i);
    }
    return dot / std::sqrt(na * nb);
  };
  for (size_t b = 0; b < 4; ++b)
    for (size_t t = 0; t < M; ++t) want -= q(b, t / c) * cosine(b, t + c, t, t) / double(4 * M);
  CHECK(l.manager.item() == Approx(want).epsilon(1e-4));
  // the worker: sum (Q + alpha r_I) * -log p / (B T), with log p from the scoring path
  const nets::Tensor lp = lg.gen.log_probs(lg.disc, x);
  double wl = 0;
  for (size_t b = 0; b < 4; ++b)
    for (size_t t = 0; t < T; ++t) {
      double ri = 0;
      for (size_t i = 1; i <= c && i <= t + 1; ++i) ri += cosine(b, t + 1, t + 1 - i, t + 1 - i);
      ri /= double(c);
      intr += ri / double(4 * T);
      wl += (q(b, t / c) + ri) * -lp(b, t) / double(4 * T);
    }
  CHECK(l.mean_intrinsic == Approx(intr).epsilon(1e-4));
  CHECK(l.worker.item() == Approx(wl).epsilon(1e-4));
  // MLE pre-training: the worker's mean NLL
  const LeakGAN::Losses m = lg.losses(x, nets::Tensor(), true);
  double nll = 0;
  for (float v : lp) nll -= v / double(lp.size());
  CHECK(m.worker.item() == Approx(nll).epsilon(1e-4));

  // --manager-loss block (the reference code's): -(1/(B K)) sum Q[b, k] cos(f_{(k+1)c} - f_{kc}, G_k),
  // G_k the goals block k reads as scored (c x goal_init for the first; with the code's shift,
  // each later block's one prefix later); the reference variant: -mean cos x mean Q
  for (const char* variant : {"paper", "reference"})
    for (bool shift : {false, true}) {
      INFO(variant << ", shifted: " << shift);
      LeakGANConfig bc = tiny_config();
      bc.manager_loss = "block", bc.variant = variant, bc.score_goal_shift = shift;
      LeakGAN lb(bc, real, 20, nullptr);
      const nets::Tensor fb = nets::leaked_features(lb.disc, x), gb = lb.gen.goals(fb).value();
      double sum_qcos = 0, sum_cos = 0, sum_q = 0;
      for (size_t b = 0; b < 4; ++b)
        for (size_t k = 0; k < T / c; ++k) {
          const double cs = cos_of_change(fb, b, (k + 1) * c, k * c, block_goal_sum(lb.gen, gb, b, k, c, shift));
          sum_qcos += q(b, k) * cs, sum_cos += cs;
        }
      for (float v : q) sum_q += v;
      const double n = 4.0 * double(T / c);
      const double want_block = std::string(variant) == "paper" ? -sum_qcos / n : -(sum_cos / n) * (sum_q / double(q.size()));
      CHECK(lb.losses(x, q, false).manager.item() == Approx(want_block).epsilon(1e-4));
    }
  // the reference variant's worker: -scalar x mean log p of its own samples, the scalar the batch
  // mean of r_I, or with --worker-cosine block the code's Worker_Reward: the mean over (b, t) of
  // cos(f_{t+1} - f_{c floor(t/c)}, G_t), G_t the goal sum token t is scored with (here the code's
  // block window: block floor(t/c)'s, c x goal_init for the first; shifted, one prefix later)
  for (bool shift : {false, true}) {
    double scalar[2] = {0, 0};
    for (int blockwise = 0; blockwise < 2; ++blockwise) {
      INFO("shifted: " << shift << ", worker_cosine " << (blockwise ? "block" : "intrinsic"));
      LeakGANConfig wc = tiny_config();
      wc.variant = "reference", wc.goal_window = "block", wc.score_goal_shift = shift;
      wc.worker_cosine = blockwise ? "block" : "intrinsic";
      LeakGAN lw(wc, real, 20, nullptr);
      const nets::Tensor fw = nets::leaked_features(lw.disc, x), gw = lw.gen.goals(fw).value();
      double sc = 0;
      for (size_t b = 0; b < 4; ++b)
        for (size_t t = 0; t < T; ++t) {
          if (blockwise) {
            const size_t k = t / c;
            sc += cos_of_change(fw, b, t + 1, k * c, block_goal_sum(lw.gen, gw, b, k, c, shift)) / double(4 * T);
          } else {
            for (size_t i = 1; i <= c && i <= t + 1; ++i) {
              std::vector<double> gj(F);
              for (size_t e = 0; e < F; ++e) gj[e] = gw(b, t + 1 - i, e);
              sc += cos_of_change(fw, b, t + 1, t + 1 - i, gj) / double(c * 4 * T);
            }
          }
        }
      const nets::Tensor lpw = lw.gen.log_probs(lw.disc, x);
      double mean_logp = 0;
      for (float v : lpw) mean_logp += v / double(lpw.size());
      const LeakGAN::Losses lwl = lw.losses(x, q, false);
      CHECK(lwl.worker_cosine == Approx(sc).epsilon(1e-4));
      CHECK(lwl.worker.item() == Approx(-sc * mean_logp).epsilon(1e-4));
      scalar[blockwise] = sc;
    }
    CHECK(std::abs(scalar[1] - scalar[0]) > 1e-3);  // (the two scalars are not one by chance here)
  }
  LeakGANConfig bad = tiny_config();
  bad.worker_cosine = "block";  // the paper variant weighs each token by its own r_I
  CHECK_THROWS_WITH(LeakGAN(bad, real, 20, nullptr), Catch::Contains("worker_cosine block is the reference variant's"));
  bad.variant = "reference", bad.worker_cosine = "single";
  CHECK_THROWS_WITH(LeakGAN(bad, real, 20, nullptr), Catch::Contains("worker_cosine must be intrinsic or block"));
  bad = tiny_config();
  bad.manager_loss = "goal";
  CHECK_THROWS_WITH(LeakGAN(bad, real, 20, nullptr), Catch::Contains("manager_loss must be step or block"));
  bad = tiny_config();
  bad.goal_init = "random";
  CHECK_THROWS_WITH(LeakGAN(bad, real, 20, nullptr), Catch::Contains("goal_init must be fixed or learned"));
}

TEST_CASE("leakgan: gradients of both losses through the manager and the worker match finite differences", "[agents][leakgan][grad]") {
  const std::string manager_loss = GENERATE(as<std::string>(), "step", "block");
  INFO("manager loss: " << manager_loss);
  nets::Rng r(12);
  const nets::IntTensor real = random_ids(40, 9, 20, r);
  LeakGANConfig cfg = tiny_config();
  cfg.init_std = 0.3f;
  cfg.manager_loss = manager_loss;
  // the block form reads goal_init: learned per slot, it is the manager's and gets its gradient
  if (manager_loss == "block") cfg.goal_init = "learned";
  LeakGAN lg(cfg, real, 20, nullptr);
  size_t slots_in_manager = 0;
  for (const auto& [name, p] : lg.gen.manager_parameters()) slots_in_manager += name == "goal_init_slots";
  CHECK(slots_in_manager == (manager_loss == "block" ? 1u : 0u));
  for (const auto& [name, p] : lg.gen.worker_parameters()) CHECK(name != "goal_init_slots");
  const nets::IntTensor x = random_ids(3, 9, 20, r);
  nets::Tensor q = nets::Tensor::from_shape({3, 3});
  for (auto& v : q) v = r.uniform();
  // each optimizer's loss: the manager's parameters get the manager's (the worker reads the
  // goals as constants), the worker's the worker's
  auto loss_of = [&](const std::string& param) {
    const LeakGAN::Losses l = lg.losses(x, q, false);
    const bool manager = param.rfind("manager.", 0) == 0 || param.rfind("goal_out.", 0) == 0 || param == "goal_init_slots";
    return double(manager ? l.manager.item() : l.worker.item());
  };
  for (auto& [name, p] : lg.gen.named_parameters()) p.zero_grad();
  {
    const LeakGAN::Losses l = lg.losses(x, q, false);
    nets::add(l.manager, l.worker).backward();
  }
  size_t checked = 0;
  for (auto& [name, p] : lg.gen.named_parameters()) {
    INFO(name);
    REQUIRE(p.has_grad());
    const nets::Tensor grad = p.grad();
    for (size_t k = 0; k < 6; ++k) {
      const size_t i = (k * 7919 + 13) % p.size();
      const float keep = p.value().data()[i], eps = 1e-2f;
      p.value().data()[i] = keep + eps;
      const double up = loss_of(name);
      p.value().data()[i] = keep - eps;
      const double down = loss_of(name);
      p.value().data()[i] = keep;
      const double fd = (up - down) / (2 * eps);
      CHECK(grad.data()[i] == Approx(fd).margin(2e-3).epsilon(5e-2));
      ++checked;
    }
  }
  CHECK(checked >= 6 * 8);
}

TEST_CASE("leakgan: with D fixed, g-steps raise D's reward of the generator's samples", "[agents][leakgan][learning]") {
  // D trained once against the initial generator, then frozen: the policy gradient must find
  // what it calls real (seed 2, 40 g-steps)
  nets::Rng r(2);
  nets::IntTensor real = nets::IntTensor::from_shape({256, 8});
  for (size_t b = 0; b < 256; ++b)
    for (size_t t = 0; t < 8; ++t) real(b, t) = int32_t((b + t) % 3);  // real data uses 3 tokens of 20
  LeakGANConfig c = tiny_config();
  c.disc = small_disc(20, 8);
  c.batch = 32, c.step_size = 2, c.negatives = 256, c.seed = 2, c.g_lr = 0.05f, c.alpha = 0.f;
  LeakGAN lg(c, real, 20, nullptr);
  for (int k = 0; k < 3; ++k) lg.d_step(2);
  double first = 0, last = 0;
  for (int k = 0; k < 40; ++k) {
    nets::Rng s(100 + k);
    const auto m = lg.g_step_on(lg.gen.sample(lg.disc, 32, s));
    if (k == 0) first = m.at("d_reward");
    last = m.at("d_reward");
    CHECK(m.at("reward_rank_corr") > 0.9);  // the rescale follows D's scores
  }
  double real_score = 0;
  for (float p : lg.disc.prob_real(real)) real_score += p / 256.0;
  INFO("D reward " << first << " -> " << last << ", D of real data " << real_score);
  // most of the way from where it started to what D gives real data
  CHECK(last - first > 0.5 * (real_score - first));
}

TEST_CASE("leakgan: pre-training stops when the validation NLL stops improving and keeps the best epoch", "[agents][leakgan]") {
  // uniform random tokens: nothing to learn that generalises, so a fast rate overfits within epochs
  nets::Rng r(5);
  const nets::IntTensor real = random_ids(400, 9, 20, r);
  LeakGANConfig c = tiny_config();
  c.g_lr = 0.05f, c.pretrain_g_epochs = 30, c.validation = 40, c.patience = 1;
  LeakGAN lg(c, real, 20, nullptr);
  std::vector<double> val;
  double best = -1;
  long epochs = 0;
  lg.pretrain([&](const std::string& phase, long i, const std::string& name, double v) {
    if (phase == "pretrain_g" && name == "validation_nll") val.push_back(v), epochs = i;
    if (name == "best_validation_nll") best = v;
  });
  INFO("epochs " << epochs);
  REQUIRE(val.size() >= 2);
  CHECK(epochs < 30);                                          // it stopped
  CHECK(best == *std::min_element(val.begin(), val.end()));    // the best epoch's figure
  CHECK(val.back() > best);                                    // the last epochs were worse
  // and the generator is that epoch's again: its validation NLL, recomputed
  nets::IntTensor held = nets::IntTensor::from_shape({40, 9});
  std::copy(real.data() + 360 * 9, real.data() + 400 * 9, held.data());
  CHECK(lg.nll_of(held) == Approx(best).epsilon(1e-12));
  // validation off: every epoch runs
  c.validation = 0, c.pretrain_g_epochs = 3;
  LeakGAN all(c, real, 20, nullptr);
  long n = 0;
  all.pretrain([&](const std::string& phase, long i, const std::string& name, double) {
    if (phase == "pretrain_g" && name == "train_nll") n = i;
  });
  CHECK(n == 3);
}

TEST_CASE("leakgan: the length-40 preset and the reference variant's fresh positives", "[agents][leakgan]") {
  const LeakGANConfig p40 = leakgan_protocol("paper40"), p20 = leakgan_protocol("paper");
  size_t features = 0;
  for (size_t n : p40.disc.num_filters) features += n;
  CHECK(features == 1880);  // Main.py's GOAL_OUT_SIZE at length 40
  CHECK(p40.disc.filter_sizes.back() == 30);
  CHECK(p40.emb == 64);
  CHECK(p40.hidden == 64);
  CHECK(p40.g_lr == 5e-4f);
  CHECK(p20.disc.filter_sizes.back() == 20);
  CHECK_FALSE(p20.fresh_positives);
  CHECK(leakgan_protocol("paper-reference").fresh_positives);
  CHECK(leakgan_protocol("paper40-reference").fresh_positives);
  CHECK(leakgan_protocol("paper40-reference").emb == 64);
  CHECK_THROWS_WITH(leakgan_protocol("paper41"), Catch::Contains("paper40"));

  // real data far from the oracle's: D learns to call whichever set it is shown as positives real
  const text::Oracle oracle = tiny_oracle();
  nets::IntTensor fixed = nets::IntTensor::from_shape({128, 9});
  for (size_t b = 0; b < 128; ++b)
    for (size_t t = 0; t < 9; ++t) fixed(b, t) = int32_t((b + 2 * t) % 4);  // 4 tokens of 20
  nets::Rng er(9);
  const nets::IntTensor from_oracle = oracle.sample(128, er);
  auto mean_real = [](nets::Discriminator& d, const nets::IntTensor& x) {
    double m = 0;
    for (float p : d.prob_real(x)) m += p / double(x.shape()[0]);
    return m;
  };
  auto trained = [&](bool fresh) {
    LeakGANConfig c = tiny_config();
    c.fresh_positives = fresh;
    c.batch = 32, c.negatives = 128, c.d_lr = 1e-2f;
    auto lg = std::make_unique<LeakGAN>(c, fixed, 20, &oracle);
    for (int k = 0; k < 4; ++k) lg->d_step(2);
    return lg;
  };
  auto fixed_run = trained(false), fresh_run = trained(true);
  const double fixed_on_fixed = mean_real(fixed_run->disc, fixed), fixed_on_oracle = mean_real(fixed_run->disc, from_oracle);
  const double fresh_on_fixed = mean_real(fresh_run->disc, fixed), fresh_on_oracle = mean_real(fresh_run->disc, from_oracle);
  INFO("fixed positives: D(fixed set) " << fixed_on_fixed << ", D(oracle) " << fixed_on_oracle << "; fresh: "
                                        << fresh_on_fixed << ", " << fresh_on_oracle);
  CHECK(fixed_on_fixed > fixed_on_oracle + 0.2);
  CHECK(fresh_on_oracle > fresh_on_fixed + 0.2);

  // the positives' generator is part of the state: a copy loaded from a save draws the same rows
  std::map<std::string, nets::Tensor> tensors;
  std::map<std::string, std::string> meta;
  fresh_run->save_state(tensors, meta, "x.");
  nets::SafeTensors st;
  st.tensors = tensors, st.metadata = meta;
  LeakGANConfig c = tiny_config();
  c.fresh_positives = true, c.batch = 32, c.negatives = 128, c.d_lr = 1e-2f;
  LeakGAN copy(c, fixed, 20, &oracle);
  copy.load_state(st, "x.", "mem");
  fresh_run->d_step(1);
  copy.d_step(1);
  const auto a = fresh_run->disc.prob_real(from_oracle), b = copy.disc.prob_real(from_oracle);
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
}

TEST_CASE("leakgan: --d-init reference draws D as the reference code, --leak-pad random pads the leak with a fixed random row, G's draws unchanged, the pad kept through D's training and checkpoints", "[agents][leakgan]") {
  const text::Oracle oracle = tiny_oracle();
  nets::Rng er(9);
  const nets::IntTensor real = oracle.sample(64, er);
  LeakGANConfig base = tiny_config();
  base.batch = 32, base.negatives = 64, base.d_lr = 1e-2f;
  LeakGANConfig code = base;
  code.disc_init = "reference", code.leak_pad = "random";
  LeakGAN a(base, real, 20, &oracle), b(code, real, 20, &oracle);
  // G is drawn as without the options; D is not
  for (const auto& [name, v] : a.gen.named_parameters()) {
    INFO(name);
    const bool same = v.value() == b.gen.parameter(name).value();
    CHECK(same);
  }
  const bool same_goal_init = a.gen.goal_init == b.gen.goal_init;
  CHECK(same_goal_init);
  CHECK(a.disc.leak_pad.empty());
  REQUIRE(b.disc.leak_pad.size() == b.disc.cfg.emb);
  for (float v : b.disc.leak_pad) {
    const bool in_range = v >= -1.f && v < 1.f;
    CHECK(in_range);
  }
  float emb_max = 0, conv_max = 0;
  for (float v : a.disc.embedding.weight.value()) emb_max = std::max(emb_max, std::abs(v));
  CHECK(emb_max > 1.f);  // N(0, 1): 20 x 6 draws, one past 1 all but surely (this seed: checked)
  emb_max = 0;
  for (float v : b.disc.embedding.weight.value()) emb_max = std::max(emb_max, std::abs(v));
  CHECK(emb_max <= 1.f);
  for (const auto& c : b.disc.convs) {
    for (float v : c->weight.value()) conv_max = std::max(conv_max, std::abs(v));
    for (float v : c->bias.value()) CHECK(v == 0.1f);
  }
  CHECK(conv_max <= 0.2f);
  CHECK(conv_max > 0.15f);  // truncated at 2 std, not narrower
  for (float v : b.disc.out->bias.value()) CHECK(v == 0.1f);
  const size_t F = b.disc.features();
  const float glorot = std::sqrt(6.f / float(2 * F));
  float hw_max = 0;
  for (float v : b.disc.highway->gate.bias.value()) hw_max = std::max(hw_max, std::abs(v));
  CHECK(hw_max <= glorot);
  CHECK(hw_max > 0.5f * glorot);
  // D's training moves its embedding, not the pad
  const std::vector<float> pad = b.disc.leak_pad;
  const nets::Tensor emb = b.disc.embedding.weight.value();
  b.d_step(1);
  const bool pad_kept = b.disc.leak_pad == pad, emb_kept = b.disc.embedding.weight.value() == emb;
  CHECK(pad_kept);
  CHECK_FALSE(emb_kept);
  // saved and loaded with the rest; a configuration without it refuses the file, and the reverse
  std::map<std::string, nets::Tensor> tensors;
  std::map<std::string, std::string> meta;
  b.save_state(tensors, meta, "x.");
  nets::SafeTensors st;
  st.tensors = tensors, st.metadata = meta;
  LeakGANConfig other = code;
  other.seed = 99;
  LeakGAN c(other, real, 20, &oracle);
  const bool other_pad = c.disc.leak_pad == pad;
  CHECK_FALSE(other_pad);
  c.load_state(st, "x.", "mem");
  const bool loaded_pad = c.disc.leak_pad == pad;
  CHECK(loaded_pad);
  const nets::IntTensor x = oracle.sample(4, er);
  const bool same_leak = nets::leaked_features(c.disc, x) == nets::leaked_features(b.disc, x);
  CHECK(same_leak);
  LeakGAN zero(base, real, 20, &oracle);
  CHECK_THROWS_WITH(zero.load_state(st, "x.", "mem"), Catch::Contains("has a 'x.disc_leak_pad'"));
  std::map<std::string, nets::Tensor> t2;
  std::map<std::string, std::string> m2;
  a.save_state(t2, m2, "x.");
  nets::SafeTensors st2;
  st2.tensors = t2, st2.metadata = m2;
  CHECK_THROWS_WITH(c.load_state(st2, "x.", "mem"), Catch::Contains("has no 'x.disc_leak_pad'"));
  LeakGANConfig bad = base;
  bad.leak_pad = "ones";
  CHECK_THROWS_WITH(LeakGAN(bad, real, 20, &oracle), Catch::Contains("leak_pad must be zero or random"));
  bad = base;
  bad.disc_init = "glorot";
  CHECK_THROWS_WITH(LeakGAN(bad, real, 20, &oracle), Catch::Contains("disc_init must be default or reference"));
}

TEST_CASE("leakgan: NLL-oracle inside pre-training at the reference log's epochs, training unchanged by it", "[agents][leakgan]") {
  const text::Oracle oracle = tiny_oracle();
  nets::Rng er(9);
  const nets::IntTensor real = oracle.sample(64, er);
  LeakGANConfig c = tiny_config();
  c.pretrain_rounds = 2, c.pretrain_g_epochs = 3, c.eval_samples = 32;
  auto run = [&](size_t every, std::vector<std::pair<long, double>>& nll) {
    c.pretrain_eval_every = every;
    auto lg = std::make_unique<LeakGAN>(c, real, 20, &oracle);
    lg->pretrain([&](const std::string& phase, long i, const std::string& name, double v) {
      if (phase == "pretrain_g" && name == "nll_oracle") nll.push_back({i, v});
    });
    return lg;
  };
  std::vector<std::pair<long, double>> with, without;
  auto a = run(2, with), b = run(0, without);
  // after epochs 0 and 2 (0-based) of each round's 3: 1 and 3 epochs run, then 4 and 6
  std::vector<long> at;
  for (const auto& [i, v] : with) {
    at.push_back(i);
    CHECK(std::isfinite(v));
    CHECK(v > 0);
  }
  CHECK(at == std::vector<long>{1, 3, 4, 6});
  CHECK(without.empty());
  // the evaluations draw from their own stream: the pre-trained generators are the same, bit for bit
  same_parameters(*a, *b);

  // under the runner's agent: the curve lands in the first metrics line, named by epochs run
  c.pretrain_eval_every = 2;
  auto agent = tiny_agent(c, 64);
  agent->pretrain();
  std::vector<std::string> keys;
  for (const auto& [k, v] : agent->update())
    if (k.rfind("pretrain_nll_oracle", 0) == 0) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"pretrain_nll_oracle_after_epoch_1", "pretrain_nll_oracle_after_epoch_3",
                                         "pretrain_nll_oracle_after_epoch_4", "pretrain_nll_oracle_after_epoch_6",
                                         "pretrain_nll_oracle"});
}

TEST_CASE("leakgan: NLL-oracle after the g-step (before D's rounds, where the reference code logs it) or after the batch, training unchanged by where", "[agents][leakgan]") {
  // two adversarial batches through the runner; the figures of every batch, and the generator
  auto train = [](const std::string& at, size_t d_steps, std::vector<nlohmann::json>& lines) {
    LeakGANConfig c = tiny_config();
    c.eval_every = 1, c.eval_point = at, c.d_steps = d_steps;
    c.d_lr = 5e-2f, c.d_epochs = 3, c.eval_samples = 1024;  // (D rounds that move the leak enough to change sampled tokens)
    auto agent = tiny_agent(c, 64);
    RunConfig rc;
    rc.env_id = "TextOracle-v0";
    rc.env_options = {{"vocab", 20}, {"seq_len", 9}, {"oracle_seed", 3}};
    rc.total_steps = 2 * 8 * 10;  // two batches of 8 sequences of 9 tokens and the end
    rc.num_envs = 8, rc.eval_every = 0, rc.final_eval_episodes = 1, rc.log_every = 0, rc.progress = false;
    rc.out_dir = "/tmp/seqrl_leakgan_nll_at_" + std::to_string(::getpid()) + "_" + at + std::to_string(d_steps);
    run(*agent, rc);
    for (const auto& j : test::metrics_of(rc.out_dir))
      if (j.contains("adversarial_batches")) lines.push_back(j);
    return agent;
  };
  for (size_t d_steps : {0, 1}) {
    INFO("D rounds per batch: " << d_steps);
    std::vector<nlohmann::json> batch, gstep, both;
    auto a = train("batch", d_steps, batch), b = train("g-step", d_steps, gstep), c = train("both", d_steps, both);
    REQUIRE(batch.size() == 2);
    REQUIRE(gstep.size() == 2);
    REQUIRE(both.size() == 2);
    for (size_t k = 0; k < 2; ++k) {
      CHECK(batch[k].contains("nll_oracle"));
      CHECK_FALSE(batch[k].contains("nll_oracle_before_d"));
      CHECK(gstep[k].contains("nll_oracle_before_d"));
      CHECK_FALSE(gstep[k].contains("nll_oracle"));
      CHECK(both[k].contains("nll_oracle_before_d"));
      CHECK(both[k].contains("nll_oracle"));
    }
    // the first figure of each run is the evaluation stream's first draw: without D rounds
    // between the g-step and the end of the batch the two points are one state, the same figure
    // bit for bit; with one, D's training has changed the leaked features and the figure
    const double after = batch[0]["nll_oracle"].get<double>(), before = gstep[0]["nll_oracle_before_d"].get<double>();
    if (d_steps == 0)
      CHECK(before == after);
    else
      CHECK(before != after);
    CHECK(both[0]["nll_oracle_before_d"].get<double>() == before);
    // the evaluations draw from their own stream: the trained generators are the same, bit for bit
    same_parameters(a->gan(), b->gan());
    same_parameters(a->gan(), c->gan());
  }
  LeakGANConfig bad = tiny_config();
  bad.eval_point = "after";
  CHECK_THROWS_WITH(tiny_agent(bad, 64)->pretrain(), Catch::Contains("eval_point (--nll-at) must be batch, g-step or both, got 'after'"));
}

TEST_CASE("leakgan: --fresh-adversarial-adam starts the g-steps' Adam afresh at the first batch (every weight it moves, moved by the rate), pre-training's moments carry on without it", "[agents][leakgan]") {
  // the share of the worker's weights moved by g-step `step` (1 or 2) that moved by the rate:
  // Adam's first step is lr * g / (|g| + eps), whatever g; with pre-training's moments, or in
  // its second step, it is not
  auto moved_by_rate = [](bool fresh, long step) {
    LeakGANConfig c = tiny_config();
    c.fresh_adversarial_adam = fresh, c.pretrain_g_epochs = 3, c.g_lr = 0.01f;
    auto agent = tiny_agent(c, 64);
    agent->pretrain();
    std::vector<nets::Tensor> before;
    auto keep = [&] {
      before.clear();
      for (auto& [n, p] : agent->gan().gen.worker_parameters()) before.push_back(p.value());
    };
    keep();
    RunConfig rc;
    rc.env_id = "TextOracle-v0";
    rc.env_options = {{"vocab", 20}, {"seq_len", 9}, {"oracle_seed", 3}};
    rc.total_steps = step * 8 * 10;  // batches of 8 sequences of 9 tokens and the end
    rc.num_envs = 8, rc.eval_every = 0, rc.final_eval_episodes = 1, rc.log_every = 0, rc.progress = false;
    rc.on_step = [&](long s) {
      if (step == 2 && s == 8 * 15) keep();  // (between the first batch's update and the second's)
    };
    run(*agent, rc);
    size_t moved = 0, by_rate = 0, k = 0;
    for (auto& [n, p] : agent->gan().gen.worker_parameters()) {
      const nets::Tensor& now = p.value();
      for (size_t i = 0; i < now.size(); ++i) {
        const double d = std::fabs(double(now.data()[i]) - double(before[k].data()[i]));
        if (d == 0) continue;
        ++moved;
        if (std::fabs(d - 0.01) < 1e-4) ++by_rate;
      }
      ++k;
    }
    REQUIRE(moved > 100);
    return double(by_rate) / double(moved);
  };
  const double fresh = moved_by_rate(true, 1), carried = moved_by_rate(false, 1), second = moved_by_rate(true, 2);
  INFO("moved by the rate: " << fresh << " of the weights afresh, " << carried << " with pre-training's moments, "
                             << second << " in the second step afresh");
  CHECK(fresh > 0.95);
  CHECK(carried < 0.5);
  CHECK(second < 0.5);  // started afresh once, not at every batch
  // the reference variants set it, the paper's do not
  CHECK(leakgan_protocol("paper-reference").fresh_adversarial_adam);
  CHECK_FALSE(leakgan_protocol("paper").fresh_adversarial_adam);
  CHECK_FALSE(leakgan_protocol("fast").fresh_adversarial_adam);
}

TEST_CASE("leakgan: --adversarial-goal-shift scores the g-steps with the shifted goals from the first batch on, the pre-training as without it", "[agents][leakgan]") {
  // a pre-trained agent and the same after one adversarial batch (8 sequences of 9 tokens and
  // the end); by_hand: its generator switched to the shifted scoring after the pre-training
  auto one_batch = [](const LeakGANConfig& c, bool by_hand) {
    auto agent = tiny_agent(c, 64);
    agent->pretrain();
    CHECK(agent->gan().gen.cfg.score_goal_shift == c.score_goal_shift);  // (not yet the adversarial one)
    nets::SafeTensors st;  // a copy of the pre-trained agent, kept aside
    agent->save_state(st);
    auto pretrained = tiny_agent(c, 64);
    pretrained->load_state(st, "pre-trained");
    if (by_hand) agent->gan().gen.cfg.score_goal_shift = true;
    RunConfig rc;
    rc.env_id = "TextOracle-v0";
    rc.env_options = {{"vocab", 20}, {"seq_len", 9}, {"oracle_seed", 3}};
    rc.total_steps = 8 * 10;
    rc.num_envs = 8, rc.eval_every = 0, rc.final_eval_episodes = 1, rc.log_every = 0, rc.progress = false;
    run(*agent, rc);
    return std::pair(std::move(pretrained), std::move(agent));
  };
  auto differ = [](LeakGAN& a, LeakGAN& b) {
    size_t n = 0;
    const auto pa = a.gen.named_parameters(), pb = b.gen.named_parameters();
    for (size_t k = 0; k < pa.size(); ++k) {
      const nets::Tensor &x = pa[k].second.value(), &y = pb[k].second.value();
      for (size_t i = 0; i < x.size(); ++i) n += x.data()[i] != y.data()[i];
    }
    return n;
  };
  LeakGANConfig c = tiny_config();
  c.goal_window = "block", c.normalize_w = true, c.pretrain_g_epochs = 3, c.g_lr = 0.01f;
  LeakGANConfig adv = c, whole = c;
  adv.adversarial_goal_shift = true;
  whole.score_goal_shift = true;
  auto [pre, plain] = one_batch(c, false);
  auto [pre_adv, shifted] = one_batch(adv, false);
  auto [pre_hand, hand] = one_batch(c, true);
  auto [pre_whole, unused] = one_batch(whole, false);
  // the pre-training is the unshifted one, bit for bit (the whole-run shift changes it)
  same_parameters(pre->gan(), pre_adv->gan());
  CHECK(differ(pre->gan(), pre_whole->gan()) > 0);
  // the g-step is the shifted one: as the same generator switched by hand, not as the unshifted
  CHECK(shifted->gan().gen.cfg.score_goal_shift);
  same_parameters(shifted->gan(), hand->gan());
  CHECK(differ(shifted->gan(), plain->gan()) > 100);
  // its checkpoint, loaded, scores shifted too (its NLL-test, seqrl eval); the pre-trained one's not
  for (auto* from : {shifted.get(), pre_adv.get()}) {
    nets::SafeTensors st;
    from->save_state(st);
    auto loaded = tiny_agent(adv, 64);
    loaded->load_state(st, "checkpoint");
    CHECK(loaded->gan().gen.cfg.score_goal_shift == (from == shifted.get()));
  }
  CHECK_FALSE(leakgan_protocol("paper-reference").adversarial_goal_shift);
}

TEST_CASE("leakgan: --first-tokens-temperature draws the first two tokens of the episodes the g-steps learn from at its temperature, the rest at 1, as LeakGAN's code samples in training", "[agents][leakgan]") {
  const size_t N = 256, T = 9, V = 20;
  for (float head : {1.f, 2.f / 3.f}) {
    INFO("first tokens' temperature " << head);
    LeakGANConfig c = tiny_config();
    c.first_tokens_temperature = head;
    auto agent = tiny_agent(c, 64);
    agent->pretrain();
    nets::Rng prefixes(5);
    for (size_t len : {0, 1, 2, 3, 8}) {
      INFO("prefix length " << len);
      nets::Tensor obs = nets::Tensor::from_shape({N, T});
      nets::IntTensor pre = nets::IntTensor::from_shape({N, T});
      std::fill(obs.begin(), obs.end(), -1.f);
      std::fill(pre.begin(), pre.end(), 0);
      for (size_t i = 0; i < N; ++i)
        for (size_t t = 0; t < len; ++t) pre(i, t) = int32_t(prefixes.randint(V)), obs(i, t) = float(pre(i, t));
      // the tokens by hand from the same draws: at logits / head, and at the logits themselves
      nets::Rng draws = agent->gan().rng;
      const nets::Tensor logits = agent->gan().gen.next_logits(agent->gan().disc, pre, len);
      std::vector<int32_t> cooled(N), plain(N);
      std::vector<float> row(V), scratch(V);
      for (size_t i = 0; i < N; ++i) {
        const double u = draws.uniform_double();
        for (size_t v = 0; v < V; ++v) row[v] = logits(i, v) / head;
        nets::kernels::sample_rows(row.data(), nullptr, 1, V, 1.f, &u, &cooled[i], scratch.data());
        nets::kernels::sample_rows(logits.data() + i * V, nullptr, 1, V, 1.f, &u, &plain[i], scratch.data());
      }
      const std::vector<env::Action> acted = agent->act(obs, false);
      REQUIRE(acted.size() == N);
      size_t differ = 0;
      for (size_t i = 0; i < N; ++i) {
        differ += cooled[i] != plain[i];
        CHECK(acted[i].index == (len < 2 ? cooled[i] : plain[i]));
      }
      if (head != 1.f && len < 2) CHECK(differ > 0);  // (some of the same draws land on other tokens when cooled)
    }
  }
  CHECK(leakgan_protocol("paper-reference").first_tokens_temperature == 2.f / 3.f);
  CHECK(leakgan_protocol("paper").first_tokens_temperature == 1.f);
}

TEST_CASE("leakgan: the pre-training is saved after every round and resumed from it bit for bit, a stop takes effect after the round, and another configuration's file is refused", "[agents][leakgan]") {
  LeakGANConfig gan = tiny_config();
  // early stopping on: its count and its best epoch's generator go across the pause too
  gan.pretrain_rounds = 3, gan.pretrain_g_epochs = 3, gan.pretrain_eval_every = 2, gan.eval_samples = 32;
  gan.validation = 16, gan.patience = 2, gan.g_lr = 0.03f;
  const std::string file = "/tmp/seqrl_leakgan_pretrain_" + std::to_string(::getpid()) + ".safetensors";
  std::remove(file.c_str());
  auto make = [&](const std::string& path) { return tiny_agent(gan, 160, path); };
  auto first_line = [](LeakGANAgent& a) {
    a.pretrain();
    return a.update();
  };
  // the whole pre-training in one piece, no file
  auto whole = make("");
  const Metrics want = first_line(*whole);
  // the same, asked to stop during its first round: it stops after it, saved; and again in the
  // second, from the file
  for (size_t round : {1, 2}) {
    auto stopped = make(file);
    request_stop();
    try {
      stopped->pretrain();
      FAIL("no Interrupted");
    } catch (const Interrupted& e) {
      const std::string what = e.what();
      CHECK(what.find("after round " + std::to_string(round) + " of 3") != std::string::npos);
      CHECK(what.find(file) != std::string::npos);
    }
    { SigintStop clear(false); }  // (constructing one clears the request)
    CHECK(stopped->gan().pretrain_rounds_done() == round);
    REQUIRE(nets::file_size(file) > 0);
  }
  // a new agent with the same configuration goes on from round 3 and ends where the whole one did
  auto resumed = make(file);
  const Metrics got = first_line(*resumed);
  CHECK(resumed->gan().pretrain_rounds_done() == 3);
  same_parameters(whole->gan(), resumed->gan());
  REQUIRE(got.size() == want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    INFO(want[k].first);
    CHECK(got[k].first == want[k].first);
    CHECK(got[k].second == want[k].second);  // bit for bit
  }
  CHECK(std::find_if(want.begin(), want.end(), [](const auto& m) { return m.first == "pretrain_best_validation_nll"; }) !=
        want.end());
  // the file now holds the finished pre-training: a run from it trains no round, same first line
  auto again = make(file);
  CHECK(first_line(*again) == want);
  same_parameters(whole->gan(), again->gan());
  // a file of another configuration is refused, naming the file and the setting
  LeakGANConfig other = gan;
  other.pretrain_g_epochs = 4;
  auto wrong = tiny_agent(other, 160, file);
  CHECK_THROWS_WITH(wrong->pretrain(), Catch::Contains(file) && Catch::Contains("gan.pretrain_g_epochs 3 -> 4"));
  // a file written before a setting existed (here pretrain_shuffle) is the setting's default
  {
    nets::SafeTensors st = nets::load_safetensors(file);
    nlohmann::json cfg = nlohmann::json::parse(st.metadata.at("leakgan.pretraining_config"));
    REQUIRE(cfg.at("gan").erase("pretrain_shuffle") == 1);
    st.metadata["leakgan.pretraining_config"] = cfg.dump();
    nets::save_safetensors(file, st.tensors, st.metadata);
  }
  auto older = make(file);
  CHECK(first_line(*older) == want);
  LeakGANConfig fixed = gan;
  fixed.pretrain_shuffle = false;
  auto not_default = tiny_agent(fixed, 160, file);
  CHECK_THROWS_WITH(not_default->pretrain(), Catch::Contains("gan.pretrain_shuffle (none) -> false"));
  // settings of the adversarial phase alone do not make it another pre-training, whether the file
  // holds them (as files written before they were left out do) or not
  LeakGANConfig adversarial = gan;
  adversarial.fresh_adversarial_adam = true, adversarial.eval_point = "both";
  adversarial.first_tokens_temperature = 0.5f, adversarial.d_steps = 0, adversarial.total_batches = 2;
  adversarial.adversarial_goal_shift = true;
  auto goes_on = tiny_agent(adversarial, 160, file);
  CHECK(first_line(*goes_on) == want);
  {
    nets::SafeTensors st = nets::load_safetensors(file);
    nlohmann::json cfg = nlohmann::json::parse(st.metadata.at("leakgan.pretraining_config"));
    cfg["gan"]["eval_point"] = "g-step", cfg["gan"]["fresh_adversarial_adam"] = true;
    cfg["gan"]["first_tokens_temperature"] = 2.0, cfg["gan"]["d_steps"] = 7, cfg["gan"]["total_batches"] = 9;
    cfg["gan"]["adversarial_goal_shift"] = true, cfg["gan"]["worker_cosine"] = "block";
    st.metadata["leakgan.pretraining_config"] = cfg.dump();
    nets::save_safetensors(file, st.tensors, st.metadata);
  }
  auto from_older = make(file);
  CHECK(first_line(*from_older) == want);
  std::remove(file.c_str());

  // the class alone, paused where early stopping is mid-count (its best epoch in an earlier
  // round, kept aside to go back to) and resumed in a new LeakGAN from its saved state
  nets::Rng r(6);
  const nets::IntTensor noise = random_ids(400, 9, 20, r);  // nothing to generalise: it overfits
  LeakGANConfig c = tiny_config();
  c.g_lr = 0.1f, c.pretrain_rounds = 4, c.pretrain_g_epochs = 2, c.validation = 40, c.patience = 3;
  std::vector<double> val;
  auto log = [&](const std::string& phase, long, const std::string& name, double v) {
    if (phase == "pretrain_g" && name == "validation_nll") val.push_back(v);
  };
  LeakGAN one(c, noise, 20, nullptr);
  one.pretrain(log);
  const std::vector<double> one_val = val;
  val.clear();
  LeakGAN first(c, noise, 20, nullptr);
  struct Pause {};
  CHECK_THROWS_AS(first.pretrain(log, [&] {
    if (first.pretrain_rounds_done() == 2) throw Pause{};
  }),
                  Pause);
  INFO("validation NLL by epoch, whole: " << Catch::Detail::stringify(one_val));
  REQUIRE(val.size() == 4);
  REQUIRE(*std::min_element(val.begin(), val.end()) < val[3]);  // mid-count at the pause
  nets::SafeTensors st;
  first.save_state(st.tensors, st.metadata, "x.");
  LeakGAN second(c, noise, 20, nullptr);
  second.load_state(st, "x.", "<memory>");
  second.pretrain(log);
  CHECK(val == one_val);
  // it stopped after epoch 6 (round 4 trained D alone) and went back to the best epoch's
  // generator, saved before the pause
  CHECK(one_val.size() == 6);
  CHECK(std::min_element(one_val.begin(), one_val.end()) - one_val.begin() < 4);
  same_parameters(one, second);
}

TEST_CASE("leakgan: pre-training without shuffling walks the data in its one order every epoch, as the reference code's loader", "[agents][leakgan]") {
  nets::Rng r(4);
  const nets::IntTensor real = random_ids(48, 9, 20, r);
  LeakGANConfig c = tiny_config();
  c.pretrain_d_rounds = 0, c.pretrain_g_epochs = 2, c.validation = 0;  // G's epochs alone
  auto params_after = [&](bool shuffle, bool by_hand) {
    c.pretrain_shuffle = shuffle;
    auto lg = std::make_unique<LeakGAN>(c, real, 20, nullptr);
    if (!by_hand) {
      lg->pretrain([](const std::string&, long, const std::string&, double) {});
    } else {  // batches of rows 0-7, 8-15, ... in order, twice
      for (int e = 0; e < 2; ++e)
        for (size_t s = 0; s + c.batch <= 48; s += c.batch) lg->train_generator(nets::row_slice(real, s, s + c.batch), nets::Tensor(), true);
    }
    std::vector<float> out;
    for (auto& [n, v] : lg->gen.named_parameters()) out.insert(out.end(), v.value().begin(), v.value().end());
    return out;
  };
  const std::vector<float> in_order = params_after(false, true);
  CHECK(params_after(false, false) == in_order);  // bit for bit
  CHECK(params_after(true, false) != in_order);   // shuffled: another order
}
