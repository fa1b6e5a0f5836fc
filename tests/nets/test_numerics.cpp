// Numerical edge cases, hand-computed optimizer steps, the sampler's distribution, determinism.
#include <catch2/catch.hpp>

#include <cmath>

#include "gradcheck.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"
#include "seqrl/nets/optim.hpp"

using namespace seqrl;
using namespace seqrl::nets;

TEST_CASE("softmax and log_softmax stay finite for logits of +-1e4", "[nets][numerics]") {
  Var x(Tensor{{1e4f, -1e4f, 0.f, 1e4f}, {-1e4f, -1e4f, -1e4f, -1e4f}}, true);
  Tensor s = softmax(x).value();
  Tensor l = log_softmax(x).value();
  for (float v : s) CHECK(std::isfinite(v));
  for (float v : l) CHECK(std::isfinite(v));
  CHECK(s(0, 0) == Approx(0.5f));
  CHECK(s(0, 1) == 0.f);
  CHECK(l(0, 0) == Approx(-std::log(2.f)));
  CHECK(l(0, 1) == Approx(-2e4f - std::log(2.f)));
  CHECK(s(1, 2) == Approx(0.25f));
  Var loss = cross_entropy(x, IntTensor{1, 0});
  CHECK(std::isfinite(loss.item()));
  CHECK(loss.item() == Approx((2e4f + std::log(2.f) + std::log(4.f)) / 2).epsilon(1e-5));
  loss.backward();
  for (float v : x.grad()) CHECK(std::isfinite(v));
}

TEST_CASE("Adam's first steps match hand-computed values", "[nets][optim]") {
  // One scalar parameter w0 = 1, loss = w^2 (g = 2w), lr 0.1, betas (0.9, 0.999), eps 1e-8.
  Var w(Tensor{1.f}, true);
  Adam opt({{"w", w}}, 0.1f);
  double wh = 1.0, m = 0.0, v = 0.0;
  for (int t = 1; t <= 3; ++t) {
    opt.zero_grad();
    Var loss = sum(w * w);
    loss.backward();
    opt.step();
    const double g = 2.0 * wh;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const double mh = m / (1 - std::pow(0.9, t)), vh = v / (1 - std::pow(0.999, t));
    wh -= 0.1 * mh / (std::sqrt(vh) + 1e-8);
    CHECK(w.value()(0) == Approx(wh).epsilon(1e-6));
  }
  // step 1 of Adam moves by exactly lr (m_hat / sqrt(v_hat) = sign(g))
  Var u(Tensor{5.f}, true);
  Adam o2({{"u", u}}, 0.25f);
  sum(u * 3.f).backward();
  o2.step();
  CHECK(u.value()(0) == Approx(4.75f));
}

TEST_CASE("the inverse-CDF sampler follows the softmax distribution", "[nets][numerics]") {
  const size_t V = 4, N = 200000;
  const float logits[V] = {0.f, 1.f, 2.f, -1.f};
  std::vector<float> rows(N * V);
  for (size_t i = 0; i < N; ++i) std::copy(logits, logits + V, rows.begin() + i * V);
  Rng rng(9);
  std::vector<double> u(N);
  for (auto& x : u) x = rng.uniform_double();
  std::vector<int32_t> out(N);
  std::vector<float> scratch(V);
  kernels::sample_rows(rows.data(), nullptr, N, V, 1.f, u.data(), out.data(), scratch.data());
  double z = 0;
  for (float l : logits) z += std::exp(l);
  std::vector<double> freq(V, 0.0);
  for (int32_t t : out) freq[t] += 1.0 / N;
  for (size_t j = 0; j < V; ++j) {
    const double p = std::exp(logits[j]) / z;
    CHECK(std::fabs(freq[j] - p) < 4 * std::sqrt(p * (1 - p) / N));  // within 4 sigma
  }
  // u = 0 picks the first token with mass, u -> 1 the last
  double u0 = 0.0, u1 = 0.999999999;
  int32_t t0, t1;
  kernels::sample_rows(logits, nullptr, 1, V, 1.f, &u0, &t0, scratch.data());
  kernels::sample_rows(logits, nullptr, 1, V, 1.f, &u1, &t1, scratch.data());
  CHECK(t0 == 0);
  CHECK(t1 == 3);
}

TEST_CASE("the same seed gives bit-identical training and another seed differs", "[nets][determinism]") {
  auto run = [](uint64_t seed) {
    LSTMGeneratorConfig gc;
    gc.vocab = 50;
    gc.emb = 8;
    gc.hidden = 8;
    gc.seq_len = 6;
    Rng rng(seed);
    LSTMGenerator gen(gc, rng);
    Adam opt(gen.named_parameters(), 0.01f);
    for (int s = 0; s < 5; ++s) {
      IntTensor batch = gen.sample(16, rng);
      opt.zero_grad();
      Var loss = gen.nll(batch);
      loss.backward();
      clip_grad_norm(opt.params(), 5.f);
      opt.step();
    }
    return gen.state();
  };
  auto a = run(3), b = run(3), c = run(4);
  bool all_equal = true, any_diff = false;
  for (auto& [name, t] : a) {
    all_equal = all_equal && std::equal(t.begin(), t.end(), b.at(name).begin());
    any_diff = any_diff || !std::equal(t.begin(), t.end(), c.at(name).begin());
  }
  CHECK(all_equal);
  CHECK(any_diff);
}

TEST_CASE("Rng reproduces numpy's RandomState(0).random_sample stream", "[nets][rng]") {
  // numpy.random.RandomState(0).random_sample(3) = 0.5488135039273248, 0.7151893663724195,
  // 0.6027633760716439
  Rng r(0);
  CHECK(r.uniform_double() == 0.5488135039273248);
  CHECK(r.uniform_double() == 0.7151893663724195);
  CHECK(r.uniform_double() == 0.6027633760716439);
  Rng a(5), b(5);
  for (int i = 0; i < 3; ++i) a.normal();
  b.set_state(a.state());
  for (int i = 0; i < 5; ++i) CHECK(a.normal() == b.normal());
  CHECK_THROWS_AS(b.set_state("garbage"), ValueError);
}
