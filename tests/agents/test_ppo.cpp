// PPO and A2C: GAE against a case worked by hand, the clipped surrogate's gradient against finite
// differences, orthogonal initialisation, the running statistics, refusals, checkpoints, and
// pinned small-budget learning runs. (Stop-and-resume mid-rollout: tests/agents/test_runner.cpp.)
#include <catch2/catch.hpp>

#include <cmath>

#include "nets/gradcheck.hpp"
#include "seqrl/agents/ppo.hpp"
#include "seqrl/agents/random_agent.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/init.hpp"

using namespace seqrl;
using namespace seqrl::agents;

TEST_CASE("GAE: a truncated step bootstraps from its final observation's value, a terminated one does not", "[agents][ppo]") {
  // one sub-env, 5 steps: an episode truncated at t = 1, then one that terminates at t = 3, then
  // one still running at t = 4 (its next value from the step after the rollout)
  const double g = 0.9, l = 0.8;
  const std::vector<double> r = {1, 2, 3, 4, 5}, v = {0.5, 0.25, 1, 2, 3}, nv = {0.25, 7, 2, 99, 4};
  const std::vector<uint8_t> term = {0, 0, 0, 1, 0}, ended = {0, 1, 0, 1, 0};
  const std::vector<double> a = gae(r, v, nv, term, ended, g, l);
  // by hand, from the end: delta_t = r_t + g * next_t - v_t (next 0 where terminated), and
  // A_t = delta_t + g l A_{t+1} unless the episode ended at t
  const double d4 = 5 + g * 4 - 3, A4 = d4;
  const double d3 = 4 + 0 - 2, A3 = d3;                 // terminated: no future, no carry
  const double d2 = 3 + g * 2 - 1, A2 = d2 + g * l * A3;
  const double d1 = 2 + g * 7 - 0.25, A1 = d1;          // truncated: bootstraps from 7, no carry
  const double d0 = 1 + g * 0.25 - 0.5, A0 = d0 + g * l * A1;
  const std::vector<double> want = {A0, A1, A2, A3, A4};
  for (size_t t = 0; t < 5; ++t) CHECK(a[t] == Approx(want[t]).epsilon(1e-12));
  // lambda 1, gamma 1, no ends: the advantage is the return minus the value
  const std::vector<double> b = gae({1, 1, 1}, {0, 0, 0}, {0, 0, 10}, {0, 0, 0}, {0, 0, 0}, 1.0, 1.0);
  CHECK(b[0] == Approx(13.0));
  CHECK(b[2] == Approx(11.0));
  CHECK_THROWS_AS(gae({1}, {1, 2}, {1}, {0}, {0}, 1, 1), ShapeError);
}

TEST_CASE("PPO's clipped surrogate: its value is -mean(min(r A, clip(r) A)) and its gradient matches finite differences", "[agents][ppo][grad]") {
  nets::Rng rng(3);
  const size_t n = 12;
  // log-ratios spread over and beyond the clip range, advantages of both signs (kept away from
  // the kinks at |r - 1| = eps, where the function has no derivative)
  nets::Tensor old = test::random_tensor({n}, rng, -2.f, 0.f), adv = test::random_tensor({n}, rng, -1.f, 1.f);
  nets::Tensor lp = nets::Tensor::from_shape({n});
  const float eps = 0.2f;
  for (size_t i = 0; i < n; ++i) {
    float d = -0.5f + float(i) / float(n - 1);  // log r in [-0.5, 0.5]
    if (std::abs(std::exp(d) - 1.f - eps) < 0.03f || std::abs(std::exp(d) - 1.f + eps) < 0.03f) d += 0.05f;
    lp(i) = old(i) + d;
  }
  double clipped = -1;
  const nets::Var loss = PPO::clipped_surrogate(nets::Var(lp), old, adv, eps, &clipped);
  double want = 0, nclip = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = std::exp(double(lp(i)) - old(i));
    want -= std::min(r * adv(i), std::clamp(r, 1.0 - eps, 1.0 + eps) * adv(i)) / double(n);
    nclip += std::abs(r - 1) > eps;
  }
  CHECK(loss.item() == Approx(want).epsilon(1e-6));
  CHECK(clipped == Approx(nclip / n));
  CHECK(clipped > 0);
  CHECK(clipped < 1);
  test::check_gradients([&](const std::vector<nets::Var>& x) { return PPO::clipped_surrogate(x[0], old, adv, eps); },
                        {lp}, test::GradCheck{1e-3f, 2e-2f, 1e-4f});
}

TEST_CASE("orthogonal initialisation: orthonormal columns (or rows), times the gain", "[nets][init]") {
  nets::Rng rng(5);
  for (auto [R, C] : std::vector<std::pair<size_t, size_t>>{{8, 3}, {3, 8}, {6, 6}}) {
    const nets::Tensor w = nets::init::orthogonal({R, C}, rng, 2.f);
    const size_t k = std::min(R, C);
    for (size_t a = 0; a < k; ++a)
      for (size_t b = 0; b < k; ++b) {
        double d = 0;
        for (size_t t = 0; t < std::max(R, C); ++t)
          d += R >= C ? double(w(t, a)) * w(t, b) : double(w(a, t)) * w(b, t);
        CHECK(d == Approx(a == b ? 4.0 : 0.0).margin(1e-5));
      }
  }
  CHECK_THROWS_AS(nets::init::orthogonal({2, 2, 2}, rng), ShapeError);
}

TEST_CASE("RunningMeanStd merges batches as one pass over all of them would", "[agents][ppo]") {
  RunningMeanStd r;
  r.count = 0;
  const std::vector<float> a = {1, 2, 3, 4}, b = {10, 20};
  r.update(a.data(), 4, 1);
  r.update(b.data(), 2, 1);
  double m = 0, v = 0;
  for (float x : {1, 2, 3, 4, 10, 20}) m += x / 6.0;
  for (float x : {1, 2, 3, 4, 10, 20}) v += (x - m) * (x - m) / 6.0;
  CHECK(r.mean[0] == Approx(m));
  CHECK(r.var[0] == Approx(v));
}

TEST_CASE("PPO and A2C refuse spaces and settings they cannot handle", "[agents][ppo]") {
  env::TokenSequence ts(10, 4);
  env::Discrete d(2);
  env::Box obs(-1.f, 1.f, {3});
  CHECK_THROWS_WITH(PPO::for_spaces(ts, d, PPOConfig()), Catch::Contains("flat vector"));
  CHECK_THROWS_WITH(PPO::for_spaces(obs, env::MultiDiscrete({2, 2}), PPOConfig()), Catch::Contains("Discrete or a 1-D Box"));
  PPOConfig bad;
  bad.algo = "trpo";
  CHECK_THROWS_WITH(PPO::for_spaces(obs, d, bad), Catch::Contains("ppo or a2c"));
  bad = PPOConfig();
  bad.gae_lambda = 1.5f;
  CHECK_THROWS_WITH(PPO::for_spaces(obs, d, bad), Catch::Contains("gae_lambda"));
  bad = PPOConfig();
  bad.batch_size = 0;
  CHECK_THROWS_WITH(PPO::for_spaces(obs, d, bad), Catch::Contains("batch_size"));
}

namespace {
RunResult train(Agent& a, const std::string& id, long steps, size_t envs, int eval_episodes) {
  RunConfig rc;
  rc.env_id = id;
  rc.total_steps = steps;
  rc.num_envs = envs;
  rc.seed = 1;
  rc.eval_every = 0;
  rc.final_eval_episodes = eval_episodes;
  rc.progress = false;
  return run(a, rc);
}
PPOConfig zoo(const std::string& algo, const std::string& env_id, long steps) {
  PPOConfig c = agent_kind(algo).defaults(env_id, "").get<PPOConfig>();
  c.seed = 1;
  c.total_steps = steps;
  return c;
}
}  // namespace

TEST_CASE("PPO (rl-zoo's CartPole settings) balances CartPole for 500 steps on a pinned budget", "[agents][ppo][learning]") {
  auto e = env::make("CartPole-v1");
  auto a = PPO::for_spaces(e->observation_space(), e->action_space(), zoo("ppo", "CartPole-v1", 60000));
  const RunResult r = train(*a, "CartPole-v1", 60000, 8, 10);
  INFO("final evaluation " << r.final_eval.mean);
  CHECK(r.final_eval.mean >= 475.0);  // random play: ~22
}

TEST_CASE("PPO (Gaussian) swings Pendulum up on a pinned budget", "[agents][ppo][learning]") {
  auto e = env::make("Pendulum-v1");
  auto a = PPO::for_spaces(e->observation_space(), e->action_space(), zoo("ppo", "Pendulum-v1", 100000));
  const RunResult r = train(*a, "Pendulum-v1", 100000, 4, 20);
  RandomAgent rnd(e->action_space(), 1);
  const EvalResult base = evaluate(rnd, "Pendulum-v1", 20, 2000001);
  INFO("PPO " << r.final_eval.mean << ", random " << base.mean);
  CHECK(r.final_eval.mean > -400.0);  // random play: about -1200
}

TEST_CASE("A2C (rl-zoo's CartPole settings) learns CartPole on a pinned budget", "[agents][ppo][learning]") {
  auto e = env::make("CartPole-v1");
  auto a = PPO::for_spaces(e->observation_space(), e->action_space(), zoo("a2c", "CartPole-v1", 100000));
  const RunResult r = train(*a, "CartPole-v1", 100000, 8, 10);
  INFO("final evaluation " << r.final_eval.mean);
  CHECK(r.final_eval.mean >= 200.0);
}

TEST_CASE("PPO with learning switched off stays below the learning test's threshold (that test can fail)", "[agents][ppo]") {
  auto e = env::make("CartPole-v1");
  PPOConfig c = zoo("ppo", "CartPole-v1", 20000);
  c.lr = 0.f;
  auto a = PPO::for_spaces(e->observation_space(), e->action_space(), c);
  const RunResult r = train(*a, "CartPole-v1", 20000, 8, 10);
  INFO("final evaluation " << r.final_eval.mean);
  CHECK(r.final_eval.mean < 475.0);  // the initial policy's greedy play (seen: 144.5)
}
