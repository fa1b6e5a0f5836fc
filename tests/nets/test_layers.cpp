// Layers: the fused LSTM equals the step-by-step cell, modes, names, target-network copies.
#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "seqrl/nets/init.hpp"
#include "seqrl/nets/layers.hpp"

using namespace seqrl;
using namespace seqrl::nets;

TEST_CASE("the fused LSTM equals unrolling LSTMCell, values and gradients", "[nets][layers]") {
  Rng rng(11);
  LSTM lstm(3, 5, rng);
  Tensor x = test::random_tensor({2, 4, 3}, rng);
  LSTMState s0{Var(test::random_tensor({2, 5}, rng)), Var(test::random_tensor({2, 5}, rng))};
  LSTM::Output fused = lstm.forward(Var(x), &s0);
  Var loss_f = sum(square(fused.out));
  loss_f.backward();
  auto grads_f = std::map<std::string, Tensor>();
  for (auto& [n, p] : lstm.named_parameters()) grads_f[n] = p.grad();
  lstm.zero_grad();

  LSTMState s = s0;
  std::vector<Var> hs;
  Var xv(x);
  for (size_t t = 0; t < 4; ++t) {
    s = lstm.cell.forward(reshape(slice(xv, 1, t, t + 1), {2, 3}), s);
    hs.push_back(s.h);
  }
  Var out = stack(hs, 1);
  CHECK(xt::allclose(out.value(), fused.out.value(), 1e-5, 1e-6));
  CHECK(xt::allclose(s.c.value(), fused.final.c.value(), 1e-5, 1e-6));
  CHECK(xt::allclose(s.h.value(), fused.final.h.value(), 1e-5, 1e-6));
  sum(square(out)).backward();
  for (auto& [n, p] : lstm.named_parameters()) {
    INFO(n);
    CHECK(xt::allclose(p.grad(), grads_f[n], 1e-4, 1e-5));
  }
}

TEST_CASE("modules name their parameters and switch modes", "[nets][layers]") {
  Rng rng(1);
  MLP mlp({4, 8, 2}, rng);
  auto names = mlp.named_parameters();
  REQUIRE(names.size() == 4);
  CHECK(names[0].first == "0.weight");
  CHECK(names[3].first == "1.bias");
  CHECK(mlp.num_parameters() == 4 * 8 + 8 + 8 * 2 + 2);
  CHECK_THROWS_WITH(mlp.parameter("2.weight"), Catch::Contains("0.weight"));
  LSTM lstm(3, 4, rng);
  CHECK(lstm.parameter("cell.w_hh").shape() == Shape{4, 16});
  Dropout d(0.5f, 3);
  Var x(xt::ones<float>({1000}));
  Tensor y = d.forward(x).value();
  size_t zeros = 0;
  for (float v : y) {
    zeros += v == 0.f;
    CHECK((v == 0.f || v == 2.f));
  }
  CHECK(zeros > 400);
  CHECK(zeros < 600);
  d.eval();
  CHECK((d.forward(x).value() == x.value()));
}

TEST_CASE("hard and Polyak updates copy between modules of one structure", "[nets][layers]") {
  Rng rng(2);
  MLP a({3, 4, 2}, rng), b({3, 4, 2}, rng), c({3, 5, 2}, rng);
  const float a0 = a.layers[0]->weight.value()(0, 0), b0 = b.layers[0]->weight.value()(0, 0);
  polyak_update(b, a, 0.25f);
  CHECK(b.layers[0]->weight.value()(0, 0) == Approx(0.25f * a0 + 0.75f * b0));
  hard_update(b, a);
  CHECK((b.state().at("1.bias") == a.state().at("1.bias")));
  CHECK_THROWS_AS(hard_update(c, a), ShapeError);
  CHECK_THROWS_AS(polyak_update(b, a, 1.5f), ValueError);
}

TEST_CASE("MLP::infer gives forward()'s values bit for bit, without a graph", "[nets]") {
  for (auto act : {Activation::kRelu, Activation::kTanh, Activation::kSigmoid}) {
    Rng rng(3);
    MLP mlp({4, 120, 84, 2}, rng, act);
    for (size_t n : {1, 7, 128}) {
      Tensor x = init::normal({n, 4}, rng);
      const Tensor a = mlp.forward(Var(x)).value();
      const Tensor b = mlp.infer(x);
      CHECK((a == b));
    }
  }
  Rng rng(1);
  MLP mlp({3, 5}, rng);
  CHECK_THROWS_AS(mlp.infer(Tensor::from_shape({2, 4})), ShapeError);
}
