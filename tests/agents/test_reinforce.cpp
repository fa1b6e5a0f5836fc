// REINFORCE: space checks, checkpoint round trip, pinned small-budget learning runs.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "seqrl/agents/random/random.hpp"
#include "seqrl/agents/reinforce/reinforce.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/nets/checkpoint.hpp"

using namespace seqrl;
using namespace seqrl::agents;

namespace {
RunResult train(Agent& a, const std::string& id, long steps, int eval_episodes) {
  RunConfig rc;
  rc.env_id = id;
  rc.total_steps = steps;
  rc.seed = 1;
  rc.eval_every = 0;
  rc.final_eval_episodes = eval_episodes;
  rc.progress = false;
  return run(a, rc);
}
}  // namespace

TEST_CASE("REINFORCE refuses spaces it cannot handle", "[agents][reinforce]") {
  env::TokenSequence ts(10, 4);
  env::Discrete d(2);
  CHECK_THROWS_WITH(Reinforce::for_spaces(ts, d, ReinforceConfig()), Catch::Contains("flat vector"));
  env::MultiDiscrete md({2, 2});
  env::Box obs(-1.f, 1.f, {3});
  CHECK_THROWS_WITH(Reinforce::for_spaces(obs, md, ReinforceConfig()), Catch::Contains("Discrete or a 1-D Box"));
  ReinforceConfig bad;
  bad.baseline = "median";
  CHECK_THROWS_AS(Reinforce::for_spaces(obs, d, bad), ValueError);
}

TEST_CASE("REINFORCE (categorical, value baseline) learns CartPole on a pinned budget", "[agents][reinforce][learning]") {
  auto e = env::make("CartPole-v1");
  ReinforceConfig c;
  c.seed = 1;
  auto a = Reinforce::for_spaces(e->observation_space(), e->action_space(), c);
  RunResult r = train(*a, "CartPole-v1", 100000, 10);
  INFO("final evaluation " << r.final_eval.mean);
  CHECK(r.final_eval.mean >= 200.0);  // random play: ~22
}

TEST_CASE("REINFORCE (Gaussian) beats a random policy on Pendulum on a pinned budget", "[agents][reinforce][learning]") {
  // Three seeds, their mean against random + 100. One seed alone is at the mercy of the CPU: the
  // same run ends at -857 with OpenBLAS's AVX-512 kernels and -781 with its Haswell (AVX2)
  // kernels, and seeds 1-5 range from 66 to 414 above random over both; a threshold of random +
  // 300 on seed 1 (this test until 2026-12-06) failed by 0.6 on AVX-512 machines. The 3-seed mean
  // is 220 (AVX-512) and 319 (AVX2) above random; with learning off (lr 0) seed 1 is 28 above.
  auto e = env::make("Pendulum-v1");
  double mean = 0;
  for (uint64_t seed : {1, 2, 3}) {
    ReinforceConfig c;
    c.seed = seed;
    c.gamma = 0.9f;
    c.episodes_per_update = 8;
    auto a = Reinforce::for_spaces(e->observation_space(), e->action_space(), c);
    RunConfig rc;
    rc.env_id = "Pendulum-v1";
    rc.total_steps = 400000;
    rc.seed = seed;
    rc.eval_every = 0;
    rc.final_eval_episodes = 20;
    rc.progress = false;
    mean += run(*a, rc).final_eval.mean / 3.0;
  }
  RandomAgent rnd(e->action_space(), 1);
  EvalResult base = evaluate(rnd, "Pendulum-v1", 20, 2000001);
  INFO("REINFORCE, mean of 3 seeds " << mean << ", random " << base.mean);
  CHECK(mean > base.mean + 100.0);
}

TEST_CASE("REINFORCE checkpoints round-trip", "[agents][reinforce]") {
  auto e = env::make("Pendulum-v1");
  ReinforceConfig c;
  c.episodes_per_update = 2;
  auto a = Reinforce::for_spaces(e->observation_space(), e->action_space(), c);
  train(*a, "Pendulum-v1", 1000, 1);
  const std::string p = "/tmp/seqrl_pg_" + std::to_string(::getpid()) + ".safetensors";
  a->save(p);
  auto b = Reinforce::for_spaces(e->observation_space(), e->action_space(), c);
  b->load(p);
  nets::Tensor obs = {{0.5f, 0.5f, 0.1f}};
  CHECK((a->act(obs, true)[0].value == b->act(obs, true)[0].value));
  CHECK(b->updates() == a->updates());
  auto dqn_like = Reinforce::for_spaces(env::Box(-1.f, 1.f, {3}), env::Discrete(2), c);
  CHECK_THROWS_AS(dqn_like->load(p), CheckpointError);  // a Gaussian policy into a categorical one
  std::remove(p.c_str());
}

TEST_CASE("REINFORCE Monte-Carlo returns: horizon 1 on CartPole gives r + gamma exactly", "[agents][reinforce]") {
  // CartPole pays 1 on every step, the last included: a one-step rollout returns exactly 1, so
  // q_t = 1 + gamma before the last step and 1 on the terminating step.
  auto e = env::make("CartPole-v1");
  ReinforceConfig c;
  c.seed = 2;
  c.gamma = 0.9f;
  c.mc_rollouts = 3;
  c.mc_horizon = 1;
  c.episodes_per_update = 100;  // no update: the episodes stay in the agent's state
  auto a = Reinforce::for_spaces(e->observation_space(), e->action_space(), c);
  nets::Tensor obs = e->reset(1).observation;
  int episodes = 0;
  while (episodes < 2) {
    obs.reshape({1, 4});
    const auto act = a->act(obs, false);
    const nlohmann::json before = e->get_state();
    env::StepResult r = e->step(act[0]);
    Transitions t;
    t.obs = obs;
    t.next_obs = r.observation;
    t.next_obs.reshape({1, 4});
    t.actions = act;
    t.rewards = {r.reward};
    t.terminated = {uint8_t(r.terminated)};
    t.truncated = {uint8_t(r.truncated)};
    t.valid = {1};
    Transitions no_envs = t;
    CHECK_THROWS_WITH(a->observe(no_envs), Catch::Contains("Transitions::envs"));
    t.envs = {e.get()};
    const nlohmann::json after = e->get_state();
    a->observe(t);
    CHECK(e->get_state() == after);  // the rollouts ran on clones
    CHECK(before != after);
    if (r.terminated || r.truncated) {
      ++episodes;
      obs = e->reset().observation;
    } else {
      obs = r.observation;
    }
  }
  nets::SafeTensors st;
  a->save_state(st);
  const auto eps = nlohmann::json::parse(st.metadata.at("episodes")).at("finished");
  REQUIRE(eps.size() == 2);
  for (const auto& ep : eps) {
    const auto q = ep.at("q").get<std::vector<double>>();
    REQUIRE(q.size() == ep.at("rewards").size());
    REQUIRE(q.size() > 3);
    for (size_t k = 0; k + 1 < q.size(); ++k) CHECK(q[k] == 1.0 + double(0.9f));
    CHECK(q.back() == 1.0);
  }
}

TEST_CASE("REINFORCE with Monte-Carlo rollout returns learns CartPole on a pinned budget", "[agents][reinforce][learning]") {
  auto e = env::make("CartPole-v1");
  ReinforceConfig c;
  c.seed = 2;
  c.mc_rollouts = 4;
  c.mc_horizon = 30;
  auto a = Reinforce::for_spaces(e->observation_space(), e->action_space(), c);
  RunConfig rc;
  rc.total_steps = 40000;
  rc.seed = 2;
  rc.eval_every = 0;
  rc.final_eval_episodes = 20;
  rc.progress = false;
  RunResult r = run(*a, rc);
  INFO("final evaluation " << r.final_eval.mean);
  CHECK(r.final_eval.mean >= 200.0);  // seen: 340.2; random play ~22
}
