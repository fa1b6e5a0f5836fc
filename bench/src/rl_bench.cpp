#include "seqrl/bench/rl_bench.hpp"

#include <algorithm>
#include <chrono>

#include "seqrl/agents/dqn/dqn.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/bench/measure.hpp"
#include "seqrl/env/classic/cartpole.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/vector_env.hpp"

namespace seqrl::bench {

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

nlohmann::json median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const double med = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  return {{"min", v.front()}, {"median", med}, {"max", v.back()}, {"n", v.size()}};
}

// Random actions through the full contract (reset checks, action checks, TimeLimit).
double env_random(long steps, uint64_t seed, bool registered) {
  std::unique_ptr<env::Env> e =
      registered ? env::make("CartPole-v1") : std::make_unique<env::CartPole>();
  nets::Rng rng(seed + 1);
  e->reset(seed);
  // the in-place step (Env::step(action, out)): one observation buffer for the whole loop
  env::StepResult r;
  env::ResetResult r0;
  env::Action a;
  const double t0 = now();
  for (long i = 0; i < steps; ++i) {
    a.index = static_cast<int64_t>(rng.randint(2));
    e->step(a, r);
    if (r.terminated || r.truncated) e->reset(r0);
  }
  return steps / (now() - t0);
}

double vector_random(size_t n, long steps, uint64_t seed) {
  env::VectorEnv v([] { return env::make("CartPole-v1"); }, n);
  nets::Rng rng(seed + 1);
  v.reset(seed);
  std::vector<env::Action> acts(n);
  env::VectorStep out;  // in-place steps, as for one env
  const long iters = steps / static_cast<long>(n);
  const double t0 = now();
  for (long i = 0; i < iters; ++i) {
    for (auto& a : acts) a.index = static_cast<int64_t>(rng.randint(2));
    v.step(acts, out);
  }
  return iters * double(n) / (now() - t0);
}

agents::DQNConfig cleanrl(long total, long learning_starts, uint64_t seed) {
  agents::DQNConfig c;  // CleanRL defaults: 120-84, 2.5e-4, 10000, 128, every 10, target 500
  c.total_steps = total;
  c.learning_starts = learning_starts;
  c.seed = seed;
  return c;
}
}  // namespace

nlohmann::json run_rl_bench(const RlBenchConfig& cfg) {
  nlohmann::json res;
  res["info"] = blas_info();
  res["config"] = {{"repeats", cfg.repeats}, {"env_steps", cfg.env_steps}, {"dqn_steps", cfg.dqn_steps}};
  env_random(20000, 0, false);  // warm-up
  std::vector<double> raw, reg, v8, v64;
  for (int r = 0; r < cfg.repeats; ++r) {
    raw.push_back(env_random(cfg.env_steps, r, false));
    reg.push_back(env_random(cfg.env_steps, r, true));
    v8.push_back(vector_random(8, cfg.env_steps, r));
    v64.push_back(vector_random(64, cfg.env_steps, r));
  }
  res["env_random_steps_per_s"] = median_of(raw);
  res["env_random_steps_per_s_with_timelimit"] = median_of(reg);
  res["vector8_steps_per_s"] = median_of(v8);
  res["vector64_steps_per_s"] = median_of(v64);
  for (long ls : {1000L, 10000L}) {
    std::vector<double> rates;
    long updates = 0;
    for (int r = 0; r < cfg.repeats; ++r) {
      agents::DQN dqn(4, 2, cleanrl(cfg.dqn_steps, ls, r));
      agents::RunConfig rc;
      rc.total_steps = cfg.dqn_steps;
      rc.seed = r;
      rc.eval_every = 0;
      rc.final_eval_episodes = 0;
      rc.progress = false;
      agents::RunResult rr = agents::run(dqn, rc);
      rates.push_back(rr.steps / rr.seconds);
      updates = dqn.updates();
    }
    res["dqn_steps_per_s_ls" + std::to_string(ls)] = median_of(rates);
    res["dqn_updates_in_run_ls" + std::to_string(ls)] = updates;
  }
  // one update alone, on a full buffer of random transitions
  agents::DQN dqn(4, 2, cleanrl(1, 0, 0));
  nets::Rng rng(0);
  agents::Transitions t;
  t.obs = nets::Tensor::from_shape({1, 4});
  t.next_obs = nets::Tensor::from_shape({1, 4});
  t.actions = {env::Action(0)};
  t.rewards = {1.0};
  t.terminated = {0};
  t.truncated = {0};
  t.valid = {1};
  for (int i = 0; i < 10000; ++i) {
    for (auto& v : t.obs) v = rng.normal();
    for (auto& v : t.next_obs) v = rng.normal();
    t.actions[0] = env::Action(static_cast<int64_t>(rng.randint(2)));
    dqn.observe(t);
  }
  Rate u = measure_rate([&] { dqn.train_step(); }, 1.0, cfg.repeats, 1.0, 200);
  res["dqn_updates_per_s"] = u.to_json();
  return res;
}

}  // namespace seqrl::bench
