// ClipAction, RescaleAction, NormalizeObservation, NormalizeReward and ObservationEncoder.
#include <catch2/catch.hpp>

#include <cmath>

#include "seqrl/env/check_env.hpp"
#include "seqrl/env/classic/pendulum.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/wrappers.hpp"

using namespace seqrl;
using namespace seqrl::env;

TEST_CASE("ClipAction and RescaleAction hand the inner env in-range torques", "[env][wrappers]") {
  auto ref = make("Pendulum-v1");
  ClipAction clip(make("Pendulum-v1"));
  ref->reset(5);
  clip.reset(5);
  StepResult a = clip.step(Action::box(nets::Tensor{7.f}));  // clipped to 2
  StepResult b = ref->step(Action::box(nets::Tensor{2.f}));
  CHECK((a.observation == b.observation));
  CHECK(a.reward == b.reward);
  CHECK_THROWS_AS(clip.step(Action::box(nets::Tensor{NAN})), InvalidAction);

  RescaleAction res(make("Pendulum-v1"), -1.f, 1.f);
  ref->reset(6);
  res.reset(6);
  a = res.step(Action::box(nets::Tensor{0.5f}));  // 0.5 in [-1, 1] -> 1.0 in [-2, 2]
  b = ref->step(Action::box(nets::Tensor{1.f}));
  CHECK((a.observation == b.observation));
  CHECK_THROWS_AS(res.step(Action::box(nets::Tensor{1.5f})), InvalidAction);
  CHECK_THROWS_AS(ClipAction(make("CartPole-v1")), ValueError);  // Discrete actions
}

TEST_CASE("NormalizeObservation drives observations to mean 0, std 1", "[env][wrappers]") {
  NormalizeObservation env(make("CartPole-v1"));
  env.reset(1);
  nets::Rng rng(2);
  std::vector<double> xs;
  for (int t = 0; t < 20000; ++t) {
    StepResult r = env.step(Action(static_cast<int64_t>(rng.randint(2))));
    if (t >= 10000) xs.push_back(r.observation(2));  // the pole angle, after warm-up
    if (r.terminated || r.truncated) env.reset();
  }
  double m = 0, v = 0;
  for (double x : xs) m += x / xs.size();
  for (double x : xs) v += (x - m) * (x - m) / xs.size();
  CHECK(std::fabs(m) < 0.1);
  CHECK(std::fabs(std::sqrt(v) - 1.0) < 0.1);
  // running statistics change between two seeded runs by design; frozen, the env is deterministic
  CheckReport live = check_env(env, 3);
  CHECK_THAT(live.str(), Catch::Contains("same seed"));
  env.update = false;
  CheckReport frozen = check_env(env, 3);
  INFO(frozen.str());
  CHECK(frozen.ok());
}

TEST_CASE("NormalizeReward scales by the running std of the discounted return", "[env][wrappers]") {
  NormalizeReward env(make("CartPole-v1"), 0.99);
  env.reset(1);
  StepResult r;
  for (int t = 0; t < 200; ++t) {
    r = env.step(Action(t % 2));
    if (r.terminated || r.truncated) env.reset();
  }
  const double expected = 1.0 / std::sqrt(double(env.stats.var()) + 1e-8);  // CartPole pays 1
  CHECK(r.reward == Approx(expected).epsilon(1e-6));
  CHECK(r.reward < 1.0);
}

TEST_CASE("ObservationEncoder shows the agent features, not raw observations", "[env][wrappers]") {
  struct Sum : Encoder {  // feature: [sum of the observation, its first component]
    nets::Tensor encode(const nets::Tensor& o) override {
      float s = 0;
      for (float v : o) s += v;
      return nets::Tensor{s, o.data()[0]};
    }
    nets::Shape feature_shape() const override { return {2}; }
  };
  ObservationEncoder env(make("CartPole-v1"), std::make_shared<Sum>());
  auto raw = make("CartPole-v1");
  nets::Tensor f = env.reset(4).observation, o = raw->reset(4).observation;
  CHECK(f(0) == Approx(o(0) + o(1) + o(2) + o(3)));
  CHECK(f(1) == o(0));
  CHECK(env.observation_space().shape() == nets::Shape{2});
  CHECK(check_env(env, 1).ok());
}

TEST_CASE("OneHotObservation: a Discrete state as a one-hot vector, through the one_hot env option", "[env][wrappers]") {
  auto plain = env::make("FrozenLake-v1", {{"is_slippery", false}});
  auto hot = env::make("FrozenLake-v1", {{"is_slippery", false}, {"one_hot", true}});
  CHECK(hot->observation_space().str() == "Box(shape=[16])");
  const auto& box = dynamic_cast<const env::Box&>(hot->observation_space());
  CHECK((box.low(0) == 0.f && box.high(15) == 1.f));
  nets::Tensor a = plain->reset(3).observation, b = hot->reset(3).observation;
  for (int t = 0; t < 6; ++t) {
    REQUIRE(b.size() == 16);
    float sum = 0;
    for (float v : b) sum += v;
    CHECK(sum == 1.f);
    CHECK(b(size_t(a(0))) == 1.f);  // the hot entry is the plain env's state
    CHECK(hot->observation_space().contains(b));
    const env::Action act(t % 2 ? 2 : 1);  // down, right, ...
    auto ra = plain->step(act), rb = hot->step(act);
    CHECK(ra.reward == rb.reward);
    a = ra.observation, b = rb.observation;
    if (ra.terminated) break;
  }
  // the clone carries the wrapper
  CHECK(hot->clone()->observation_space().str() == hot->observation_space().str());
  // not for Box observations
  CHECK_THROWS_WITH(env::make("CartPole-v1", {{"one_hot", true}}), Catch::Contains("Discrete observation space"));
}
