// The environment API: CartPole against Gymnasium's own step(), the contract's errors, check_env,
// the registry, wrappers, spaces and vector environments.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <fstream>

#include "seqrl/env/check_env.hpp"
#include "seqrl/env/classic/cartpole.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/vector_env.hpp"
#include "seqrl/env/wrappers.hpp"

using namespace seqrl;
using namespace seqrl::env;

TEST_CASE("CartPole matches Gymnasium's cartpole.py step() to 1 ulp on golden trajectories", "[env][cartpole]") {
  std::ifstream f(std::string(SEQRL_SOURCE_DIR) + "/tests/env/data/cartpole_golden.json");
  REQUIRE(f);
  auto golden = nlohmann::json::parse(f);
  size_t steps = 0, exact = 0;
  for (const auto& c : golden["cases"]) {
    CartPole env;
    env.reset(0);
    for (size_t k = 0; k < 4; ++k) env.state[k] = c["initial_state"][k].get<double>();
    for (size_t t = 0; t < c["actions"].size(); ++t) {
      StepResult r = env.step(Action(c["actions"][t].get<int64_t>()));
      for (size_t k = 0; k < 4; ++k) {
        uint32_t bits;
        std::memcpy(&bits, &r.observation.data()[k], 4);
        const int64_t want = c["observation_bits"][t][k].get<int64_t>();
        INFO("trajectory step " << t << " component " << k);
        CHECK(std::llabs(int64_t(bits) - want) <= 1);
        exact += int64_t(bits) == want;
      }
      CHECK(r.reward == c["rewards"][t].get<double>());
      CHECK(r.terminated == c["terminated"][t].get<bool>());
      ++steps;
    }
  }
  CHECK(steps >= 60);
  CHECK(exact == steps * 4);  // in practice every component is bit-identical
}

namespace {
// Gymnasium's step() evaluated as Python does: every product and sum rounded to double on its own
// (the volatile stores forbid fused multiply-adds), in cartpole.py's order and grouping.
std::array<double, 4> python_cartpole_step(std::array<double, 4> s, int action) {
  const double g = 9.8, mc = 1.0, mp = 0.1, tm = mp + mc, l = 0.5, pml = mp * l, tau = 0.02;
  const double force = action == 1 ? 10.0 : -10.0;
  const double c = std::cos(s[2]), sn = std::sin(s[2]);
  volatile double a = pml * (s[3] * s[3]);
  a = a * sn;
  volatile double temp = (force + a) / tm;
  volatile double b = c * temp, d = mp * (c * c);
  d = d / tm;
  volatile double e = l * (4.0 / 3.0 - d);
  volatile double gs = g * sn;
  volatile double ta = (gs - b) / e;
  volatile double f = pml * ta;
  f = f * c;
  volatile double xa = temp - f / tm;
  volatile double u0 = tau * s[1], u1 = tau * xa, u2 = tau * s[3], u3 = tau * ta;
  return {s[0] + u0, s[1] + u1, s[2] + u2, s[3] + u3};
}
}  // namespace

TEST_CASE("CartPole's float64 state rounds as Python does (no fused multiply-add), state set from outside included",
          "[env][cartpole]") {
  CartPole env;
  size_t steps = 0;
  for (uint64_t ep = 0; ep < 300; ++ep) {
    env.reset(ep);
    std::array<double, 4> ref = env.state;
    for (int t = 0;; ++t) {
      if (ep % 7 == 0 && t == 5) {  // a state written from outside (search, tests) mid-episode
        env.state[2] = -env.state[2];
        ref = env.state;
      }
      StepResult r = env.step(Action(t % 3 == 0));
      ref = python_cartpole_step(ref, t % 3 == 0);
      ++steps;
      INFO("episode " << ep << " step " << t);
      REQUIRE(std::memcmp(ref.data(), env.state.data(), sizeof ref) == 0);
      if (r.terminated) break;
    }
  }
  CHECK(steps > 3000);
}

TEST_CASE("the contract: ResetNeeded and InvalidAction with actionable messages", "[env]") {
  auto env = make("CartPole-v1");
  CHECK_THROWS_AS(env->step(Action(0)), ResetNeeded);
  env->reset(1);
  CHECK_THROWS_WITH(env->step(Action(2)), Catch::Contains("action 2") &&
                                              Catch::Contains("Discrete(2)") &&
                                              Catch::Contains("CartPole-v1"));
  CHECK_THROWS_AS(env->step(Action::box(nets::Tensor{0.f})), InvalidAction);
  StepResult r;
  int n = 0;
  do r = env->step(Action(1)), ++n;
  while (!r.terminated && !r.truncated);
  CHECK(r.reward == 1.0);  // the terminating step earns +1 too
  CHECK(n < 500);
  CHECK_THROWS_WITH(env->step(Action(0)), Catch::Contains("reset()"));
}

TEST_CASE("check_env passes CartPole and names what is wrong with a broken env", "[env]") {
  auto env = make("CartPole-v1");
  CheckReport rep = check_env(*env, 3);
  INFO(rep.str());
  CHECK(rep.ok());

  // an env that ignores its seed (randomness from a generator it seeds itself) and leaves its space
  struct Broken : Env {
    Box obs{-1.f, 1.f, {2}};
    Discrete act{2};
    nets::Rng own{static_cast<uint64_t>(reinterpret_cast<uintptr_t>(this))};
    int counter = 0;
    const Space& observation_space() const override { return obs; }
    const Space& action_space() const override { return act; }
    std::unique_ptr<Env> clone() const override { return std::make_unique<Broken>(); }
    ResetResult reset_impl(std::optional<uint64_t>, const Info&) override {
      return {nets::Tensor{own.uniform(), 5.f}, Info::object()};
    }
    StepResult step_impl(const Action&) override {
      return {nets::Tensor{own.uniform(), 0.f}, 1.0, ++counter % 7 == 0, false, Info::object()};
    }
  } broken;
  CheckReport bad = check_env(broken, 3, 20);
  const std::string s = bad.str();
  CHECK_FALSE(bad.ok());
  CHECK_THAT(s, Catch::Contains("outside the observation space"));
  CHECK_THAT(s, Catch::Contains("same seed"));
  CHECK_THAT(s, Catch::Contains("clone()"));
}

TEST_CASE("registry: make with TimeLimit, close matches for unknown ids, one-line registration", "[env]") {
  auto env = make("CartPole-v1");
  CHECK(spec("CartPole-v1").reward_threshold == 475.0);
  env->reset(0);
  // a cart that is reset to a balanced state and pushed alternately: truncated at 500 steps
  auto& tl = dynamic_cast<TimeLimit&>(*env);
  CHECK(tl.max_episode_steps == 500);
  auto short_env = make("CartPole-v1", {{"max_episode_steps", 5}});
  short_env->reset(0);
  StepResult r;
  for (int i = 0; i < 5; ++i) r = short_env->step(Action(i % 2));
  CHECK(r.truncated);
  CHECK_FALSE(r.terminated);
  CHECK_THROWS_WITH(make("Cartpole-v2"), Catch::Contains("did you mean: ") && Catch::Contains("CartPole-v1"));
  register_env({"MyCartPole-v0", [](const Info&) { return std::make_unique<CartPole>(); }, 10, {}});
  auto mine = make("MyCartPole-v0");
  CHECK(mine->id == "MyCartPole-v0");
  CHECK(dynamic_cast<TimeLimit&>(*mine).max_episode_steps == 10);
}

TEST_CASE("RecordEpisodeStatistics reports return and length when an episode ends", "[env]") {
  RecordEpisodeStatistics env(make("CartPole-v1", {{"max_episode_steps", 7}}));
  env.reset(2);
  StepResult r;
  int n = 0;
  do r = env.step(Action(n % 2)), ++n;
  while (!r.terminated && !r.truncated);
  REQUIRE(r.info.contains("episode"));
  CHECK(r.info["episode"]["l"].get<int>() == n);
  CHECK(r.info["episode"]["r"].get<double>() == Approx(n));
  CHECK(env.return_queue.size() == 1);
}

TEST_CASE("spaces: contains, sample (masked), seeding", "[env][spaces]") {
  Discrete d(3, -1);
  CHECK(d.contains(-1));
  CHECK_FALSE(d.contains(2));
  d.seed(4);
  for (int i = 0; i < 50; ++i) CHECK(d.contains(d.sample()));
  for (int i = 0; i < 20; ++i) CHECK(d.sample_index({0, 1, 0}) == 0);
  CHECK_THROWS_AS(d.sample_index({0, 0, 0}), ValueError);
  Box b(-1.f, 2.f, {2, 3});
  b.seed(1);
  nets::Tensor s1 = b.sample();
  CHECK(b.contains(s1));
  b.seed(1);
  CHECK((b.sample() == s1));
  CHECK_FALSE(b.contains(nets::Tensor{0.f, 0.f}));
  MultiDiscrete md({2, 5});
  CHECK(md.contains(nets::Tensor{1.f, 4.f}));
  CHECK_FALSE(md.contains(nets::Tensor{1.f, 5.f}));
  TokenSequence ts(10, 4);
  CHECK(ts.contains(nets::Tensor{3.f, 9.f, -1.f, -1.f}));
  CHECK_FALSE(ts.contains(nets::Tensor{3.f, -1.f, 2.f, -1.f}));  // token after padding
  CHECK_FALSE(ts.contains(nets::Tensor{10.f, -1.f, -1.f, -1.f}));
  for (int i = 0; i < 20; ++i) CHECK(ts.contains(ts.sample()));
}

TEST_CASE("vector env: seed + i, batched observations, next-step autoreset", "[env][vector]") {
  auto factory = [] { return make("CartPole-v1", {{"max_episode_steps", 3}}); };
  VectorEnv venv(factory, 4);
  nets::Tensor obs = venv.reset(10);
  REQUIRE(obs.shape() == std::vector<size_t>{4, 4});
  auto single = make("CartPole-v1");
  nets::Tensor o2 = single->reset(12).observation;
  CHECK(std::memcmp(obs.data() + 2 * 4, o2.data(), 16) == 0);  // sub-env 2 got seed 12
  std::vector<Action> acts(4, Action(0));
  VectorStep s;
  for (int t = 0; t < 3; ++t) s = venv.step(acts);
  for (size_t i = 0; i < 4; ++i) CHECK((s.terminated[i] || s.truncated[i]));
  VectorStep after = venv.step(acts);  // the autoreset step
  for (size_t i = 0; i < 4; ++i) {
    CHECK(after.rewards[i] == 0.0);
    CHECK_FALSE(after.terminated[i]);
    CHECK_FALSE(after.truncated[i]);
  }
  ThreadedVectorEnv tv(factory, 4);
  nets::Tensor tobs = tv.reset(10);
  CHECK((tobs == obs));
  CHECK_THROWS_AS(tv.step(std::vector<Action>(3, Action(0))), ValueError);
}

// Every sub-env against a lone env stepped by hand with next-step autoreset: observations,
// rewards, flags and, at the end, each sub-env's whole state (RNG, episode flags, TimeLimit
// count), for the direct CartPole loop (plain and threaded) and the ordinary path (a wrapper
// around each CartPole turns the loop off).
TEST_CASE("vector env: the direct CartPole loop equals lone envs bit for bit", "[env][vector]") {
  const size_t n = 6;
  const Info opts = {{"max_episode_steps", 30}};  // truncations as well as falls
  auto plain = [&] { return make("CartPole-v1", opts); };
  auto wrapped = [&] { return std::make_unique<RecordEpisodeStatistics>(make("CartPole-v1", opts)); };
  auto state = [](const Env& e) {  // without the episode statistics' wall time
    nlohmann::json j = e.get_state();
    if (j["env"].contains("episode_seconds")) j["env"].erase("episode_seconds");
    return j;
  };
  auto check = [&](VectorEnv& venv, const std::function<std::unique_ptr<Env>()>& factory) {
    std::vector<std::unique_ptr<Env>> lone;
    for (size_t i = 0; i < n; ++i) lone.push_back(factory());
    nets::Tensor obs = venv.reset(7);
    for (size_t i = 0; i < n; ++i) {
      nets::Tensor o = lone[i]->reset(7 + i).observation;
      REQUIRE(std::memcmp(obs.data() + 4 * i, o.data(), 16) == 0);
    }
    nets::Rng rng(3);
    std::vector<Action> acts(n);
    std::vector<int64_t> indices(n);
    std::vector<bool> ended(n, false);
    VectorStep s;
    size_t falls = 0, truncations = 0;
    for (int t = 0; t < 400; ++t) {
      for (size_t i = 0; i < n; ++i) acts[i].index = indices[i] = int64_t(rng.randint(2));
      if (t % 2)
        venv.step(acts, s);
      else
        venv.step(indices.data(), s);  // bare indices, every other step
      for (size_t i = 0; i < n; ++i) {
        nets::Tensor o;
        double reward = 0.0;
        bool term = false, trunc = false;
        if (ended[i]) {
          o = lone[i]->reset().observation;
        } else {
          StepResult r = lone[i]->step(acts[i]);
          o = r.observation, reward = r.reward, term = r.terminated, trunc = r.truncated;
        }
        ended[i] = term || trunc;
        falls += term, truncations += trunc && !term;
        REQUIRE(std::memcmp(s.observations.data() + 4 * i, o.data(), 16) == 0);
        REQUIRE(s.rewards[i] == reward);
        REQUIRE(bool(s.terminated[i]) == term);
        REQUIRE(bool(s.truncated[i]) == trunc);
        if (term || trunc) REQUIRE(state(venv.env(i)) == state(*lone[i]));  // the episode flags
      }
    }
    CHECK(falls > 20);
    CHECK(truncations > 5);
    for (size_t i = 0; i < n; ++i) CHECK(state(venv.env(i)) == state(*lone[i]));
  };
  VectorEnv direct(plain, n);
  CHECK(direct.direct_cartpole());
  check(direct, plain);
  ThreadedVectorEnv threaded(plain, n);
  CHECK(threaded.direct_cartpole());
  check(threaded, plain);
  VectorEnv ordinary(wrapped, n);
  CHECK_FALSE(ordinary.direct_cartpole());
  check(ordinary, wrapped);
  // what a lone env refuses, the direct loop refuses with the same errors
  VectorEnv fresh(plain, 2);
  CHECK_THROWS_AS(fresh.step(std::vector<Action>(2, Action(0))), ResetNeeded);
  fresh.reset(1);
  CHECK_THROWS_AS(fresh.step({Action(0), Action(2)}), InvalidAction);
  CHECK_THROWS_AS(fresh.step({Action(-1), Action(0)}), InvalidAction);
  const int64_t bad[2] = {1, 7};
  VectorStep s;
  CHECK_THROWS_AS(fresh.step(bad, s), InvalidAction);
  VectorEnv pendulums([] { return make("Pendulum-v1"); }, 2);  // indices need a Discrete space
  pendulums.reset(0);
  CHECK_THROWS_AS(pendulums.step(bad, s), ValueError);
}

// A refused vector step leaves every sub-env as it was (the refusal comes before any steps), on
// the direct CartPole loop, threaded, and the ordinary path; a sub-env that only resets this
// step ignores its action, as in Gymnasium.
TEST_CASE("vector env: a refused step moves no sub-env", "[env][vector]") {
  auto plain = [] { return make("CartPole-v1"); };
  auto wrapped = [] { return std::make_unique<RecordEpisodeStatistics>(make("CartPole-v1")); };
  auto states = [](VectorEnv& v) {
    nlohmann::json j = v.get_state();
    for (auto& e : j["envs"])
      if (e["env"].contains("episode_seconds")) e["env"].erase("episode_seconds");
    return j;
  };
  auto check = [&](VectorEnv& v) {
    v.reset(3);
    VectorStep s;
    for (int t = 0; t < 5; ++t) v.step(std::vector<Action>(4, Action(1)), s);
    const nlohmann::json before = states(v);
    CHECK_THROWS_AS(v.step({Action(0), Action(1), Action(2), Action(0)}), InvalidAction);
    const int64_t bad[4] = {1, 0, 0, -3};
    CHECK_THROWS_AS(v.step(bad, s), InvalidAction);
    CHECK_THROWS_AS(v.step({Action(0), Action(0), Action(0), Action::box(nets::Tensor{0.5f})}), InvalidAction);
    CHECK(states(v) == before);
    // an action for a sub-env that only resets this step is ignored
    bool ended = false;
    while (!ended) {
      v.step(std::vector<Action>(4, Action(1)), s);
      ended = s.terminated[0] || s.truncated[0];
    }
    CHECK_NOTHROW(v.step({Action(7), Action(1), Action(1), Action(1)}, s));
    CHECK(s.rewards[0] == 0.0);
  };
  VectorEnv direct(plain, 4);
  check(direct);
  ThreadedVectorEnv threaded(plain, 4);
  check(threaded);
  VectorEnv ordinary(wrapped, 4);
  check(ordinary);
}
