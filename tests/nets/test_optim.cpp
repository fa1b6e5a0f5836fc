// Optimizers against hand computation; clipping; schedules; state round trips.
#include <catch2/catch.hpp>

#include <cmath>

#include "seqrl/nets/ops.hpp"
#include "seqrl/nets/optim.hpp"

using namespace seqrl;
using namespace seqrl::nets;

TEST_CASE("SGD with momentum and RMSProp follow their update rules", "[nets][optim]") {
  Var w(Tensor{1.f}, true);
  SGD sgd({{"w", w}}, 0.1f, 0.9f);
  double wh = 1.0, v = 0.0;
  for (int t = 0; t < 3; ++t) {
    sgd.zero_grad();
    sum(w * w).backward();
    sgd.step();
    v = 0.9 * v + 2 * wh;
    wh -= 0.1 * v;
    CHECK(w.value()(0) == Approx(wh).epsilon(1e-6));
  }
  Var u(Tensor{2.f}, true);
  RMSProp rms({{"u", u}}, 0.01f, 0.99f, 1e-8f);
  double uh = 2.0, s = 0.0;
  for (int t = 0; t < 3; ++t) {
    rms.zero_grad();
    sum(u * u).backward();
    rms.step();
    const double g = 2 * uh;
    s = 0.99 * s + 0.01 * g * g;
    uh -= 0.01 * g / (std::sqrt(s) + 1e-8);
    CHECK(u.value()(0) == Approx(uh).epsilon(1e-5));
  }
}

TEST_CASE("weight decay: L2 in the gradient vs decoupled (AdamW)", "[nets][optim]") {
  Var a(Tensor{1.f}, true), b(Tensor{1.f}, true);
  Adam l2({{"a", a}}, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f, false);
  Adam dec({{"b", b}}, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f, true);
  sum(a * 0.f).backward();  // zero loss gradient: only the decay acts
  sum(b * 0.f).backward();
  l2.step();
  dec.step();
  CHECK(a.value()(0) == Approx(0.9f));    // Adam's first step has size lr whatever g's size
  CHECK(b.value()(0) == Approx(0.95f));   // p (1 - lr wd)
}

TEST_CASE("clip_grad_norm scales to the max norm and reports the norm before", "[nets][optim]") {
  Var a(Tensor{3.f}, true), b(Tensor{4.f}, true);
  sum(a * a * 0.5f + b * b * 0.5f).backward();  // grads 3, 4: norm 5
  NamedParams ps{{"a", a}, {"b", b}};
  CHECK(clip_grad_norm(ps, 1.f) == Approx(5.f));
  CHECK(a.grad()(0) == Approx(0.6f).epsilon(1e-5));
  CHECK(b.grad()(0) == Approx(0.8f).epsilon(1e-5));
  CHECK(clip_grad_norm(ps, 10.f) == Approx(1.f).epsilon(1e-5));  // below max: unchanged
  CHECK(a.grad()(0) == Approx(0.6f).epsilon(1e-5));
}

TEST_CASE("learning-rate schedules", "[nets][optim]") {
  ExponentialDecay e(0.1f, 0.5f, 10);
  CHECK(e.at(0) == Approx(0.1f));
  CHECK(e.at(10) == Approx(0.05f));
  CHECK(e.at(5) == Approx(0.1f * std::sqrt(0.5f)));
  ExponentialDecay st(0.1f, 0.5f, 10, true);
  CHECK(st.at(19) == Approx(0.05f));
  LinearDecay l(1.f, 0.1f, 100);
  CHECK(l.at(50) == Approx(0.55f));
  CHECK(l.at(1000) == Approx(0.1f));
  Var w(Tensor{1.f}, true);
  SGD s({{"w", w}}, 0.1f);
  CHECK_THROWS_AS(s.set_lr(-1.f), ValueError);
}

TEST_CASE("optimizer state round-trips and resumes identically", "[nets][optim]") {
  auto make = [](Var& w) { return std::make_unique<Adam>(NamedParams{{"w", w}}, 0.05f); };
  Var w1(Tensor{1.f, -2.f}, true);
  auto o1 = make(w1);
  for (int i = 0; i < 3; ++i) {
    o1->zero_grad();
    sum(w1 * w1).backward();
    o1->step();
  }
  Var w2(w1.value(), true);
  auto o2 = make(w2);
  o2->load_state(o1->state());
  CHECK(o2->steps() == 3);
  for (int i = 0; i < 2; ++i) {
    o1->zero_grad();
    sum(w1 * w1).backward();
    o1->step();
    o2->zero_grad();
    sum(w2 * w2).backward();
    o2->step();
  }
  CHECK((w1.value() == w2.value()));
  OptimizerState bad = o1->state();
  bad.tensors["m.w"] = Tensor{1.f};
  CHECK_THROWS_WITH(o2->load_state(bad), Catch::Contains("m.w"));
}

TEST_CASE("a NaN or infinite gradient stops the step, names the parameter, and changes nothing", "[nets][optim]") {
  for (const float bad : {NAN, INFINITY}) {
    Var a(Tensor{1.f, 2.f}, true), b(Tensor{3.f, 4.f, 5.f}, true);
    Adam adam({{"a", a}, {"b", b}}, 0.1f);
    sum(a * a).backward();
    sum(b * b).backward();
    adam.step();  // a finite first step: moments that must survive the bad one
    const OptimizerState before = adam.state();
    const Tensor a0 = a.value(), b0 = b.value();
    adam.zero_grad();
    sum(a * a).backward();
    sum(b * b).backward();
    b.node()->grad(2) = bad;
    try {
      adam.step();
      FAIL("no throw");
    } catch (const NumericError& e) {
      const std::string m = e.what();
      CHECK_THAT(m, Catch::Contains("'b'") && Catch::Contains("[3]") && Catch::Contains("1 of 3") &&
                        Catch::Contains("index 2") && Catch::Contains("adam step 2"));
    }
    CHECK((a.value() == a0));  // not even the finite parameter moved
    CHECK((b.value() == b0));
    CHECK(adam.steps() == 1);
    const OptimizerState after = adam.state();
    for (const auto& [k, t] : before.tensors) CHECK((after.tensors.at(k) == t));
    SGD sgd({{"b", b}}, 0.1f);
    CHECK_THROWS_AS(sgd.step(), NumericError);
  }
}
