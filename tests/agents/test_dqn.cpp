// DQN: bootstrapping at time limits, checkpoint resume, space checks, and a pinned learning run.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "seqrl/agents/dqn/dqn.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/env/registry.hpp"

using namespace seqrl;
using namespace seqrl::agents;

namespace {
DQNConfig small_config(uint64_t seed) {
  DQNConfig c;
  c.hidden = {64, 64};
  c.lr = 2.3e-3f;
  c.batch_size = 64;
  c.buffer_size = 20000;
  c.learning_starts = 500;
  c.target_update = 10;
  c.train_frequency = 64;
  c.gradient_steps = 32;
  c.exploration_fraction = 0.16f;
  c.end_e = 0.04f;
  c.huber = true;
  c.max_grad_norm = 10.f;
  c.total_steps = 20000;
  c.seed = seed;
  return c;
}
}  // namespace

TEST_CASE("DQN refuses spaces it cannot handle, saying why", "[agents][dqn]") {
  env::Box box(-1.f, 1.f, {1});
  env::Discrete d(2);
  CHECK_THROWS_WITH(DQN::for_spaces(d, box, DQNConfig()), Catch::Contains("Discrete action space"));
  env::TokenSequence ts(10, 5);
  CHECK_THROWS_WITH(DQN::for_spaces(ts, d, DQNConfig()), Catch::Contains("flat vector observations"));
}

TEST_CASE("DQN bootstraps on truncated but not on terminated transitions", "[agents][dqn]") {
  // One transition repeated: reward 1, next state = state. The TD target is 1 + gamma * max Q when
  // only truncated, and exactly 1 when terminated; after many updates Q(s, a) approaches 1/(1-g)
  // resp. 1.
  for (bool terminated : {false, true}) {
    DQNConfig c;
    c.hidden = {16};
    c.lr = 1e-2f;
    c.gamma = 0.5f;
    c.batch_size = 4;
    c.buffer_size = 4;
    c.learning_starts = 0;
    c.train_frequency = 1;
    c.target_update = 1;
    c.seed = 3;
    DQN dqn(2, 2, c);
    Transitions t;
    t.obs = nets::Tensor{{0.5f, -0.5f}};
    t.next_obs = t.obs;
    t.actions = {env::Action(1)};
    t.rewards = {1.0};
    t.terminated = {uint8_t(terminated)};
    t.truncated = {uint8_t(!terminated)};
    t.valid = {1};
    for (int i = 0; i < 2000; ++i) {  // one env step, one gradient step, one target copy
      dqn.observe(t);
      dqn.update();
    }
    const float q1 = dqn.q_values(t.obs)(0, 1);
    INFO((terminated ? "terminated" : "truncated") << ": Q(s, 1) = " << q1);
    if (terminated)
      CHECK(std::fabs(q1 - 1.f) < 0.05f);  // y = r
    else
      CHECK(std::fabs(q1 - 2.f) < 0.15f);  // y = r + g max Q -> 1 / (1 - g)
  }
}

TEST_CASE("DQN checkpoint resume continues bit-identically", "[agents][dqn]") {
  const std::string dir = "/tmp/seqrl_dqn_" + std::to_string(::getpid());
  auto run_steps = [](DQN& a, env::Env& e, nets::Tensor& obs, int n) {
    for (int i = 0; i < n; ++i) {
      nets::Tensor o = obs;
      o.reshape({1, 4});
      auto act = a.act(o, false);
      env::StepResult r = e.step(act[0]);
      Transitions t;
      t.obs = o;
      t.next_obs = r.observation;
      t.next_obs.reshape({1, 4});
      t.actions = act;
      t.rewards = {r.reward};
      t.terminated = {uint8_t(r.terminated)};
      t.truncated = {uint8_t(r.truncated)};
      t.valid = {1};
      a.observe(t);
      a.update();
      obs = (r.terminated || r.truncated) ? e.reset().observation : r.observation;
    }
  };
  DQNConfig c = small_config(5);
  c.learning_starts = 100;
  DQN a(4, 2, c), b(4, 2, c);
  auto e1 = env::make("CartPole-v1");
  nets::Tensor obs = e1->reset(1).observation;
  run_steps(a, *e1, obs, 300);
  const std::string ck = dir + "_ck.safetensors";
  a.save(ck);
  auto e2 = e1->clone();
  nets::Tensor obs2 = obs;
  b.load(ck);
  run_steps(a, *e1, obs, 200);
  run_steps(b, *e2, obs2, 200);
  CHECK(a.updates() == b.updates());
  const std::string ca = dir + "_a.safetensors", cb = dir + "_b.safetensors";
  a.save(ca);
  b.save(cb);
  std::ifstream fa(ca, std::ios::binary), fb(cb, std::ios::binary);
  std::string sa((std::istreambuf_iterator<char>(fa)), {}), sb((std::istreambuf_iterator<char>(fb)), {});
  CHECK(sa == sb);
  for (auto* p : {&ck, &ca, &cb}) std::remove(p->c_str());
}

TEST_CASE("DQN learns CartPole on a small pinned budget", "[agents][dqn][learning]") {
  DQNConfig c = small_config(1);
  RunConfig rc;
  rc.env_id = "CartPole-v1";
  rc.total_steps = 20000;
  rc.seed = 1;
  rc.eval_every = 0;
  rc.final_eval_episodes = 10;
  rc.progress = false;
  auto e = env::make(rc.env_id);
  auto agent = DQN::for_spaces(e->observation_space(), e->action_space(), c);
  RunResult r = run(*agent, rc);
  INFO("final evaluation " << r.final_eval.mean << " +- " << r.final_eval.std);
  CHECK(r.final_eval.mean >= 150.0);  // random play scores ~22
}
