// A new environment written against seqrl's public API: a corridor of n cells where the agent
// starts in the middle and is paid 1 for reaching the right end (0 for falling off the left).
// Registered with one line, checked with check_env, and learned by DQN through the runner.
#include <cstdio>

#include <seqrl/agents/dqn/dqn.hpp>
#include <seqrl/agents/runner.hpp>
#include <seqrl/env/check_env.hpp>
#include <seqrl/env/registry.hpp>

using namespace seqrl;

class Corridor : public env::Env {
 public:
  explicit Corridor(int n = 7) : n_(n), obs_(0.f, 1.f, {2}) {}
  const env::Space& observation_space() const override { return obs_; }
  const env::Space& action_space() const override { return act_; }
  std::unique_ptr<env::Env> clone() const override { return std::make_unique<Corridor>(*this); }

 protected:
  env::ResetResult reset_impl(std::optional<uint64_t>, const env::Info&) override {
    pos_ = n_ / 2 + static_cast<int>(rng().randint(2));  // a random start near the middle
    return {observe(), env::Info()};
  }
  env::StepResult step_impl(const env::Action& a) override {
    pos_ += a.index == 1 ? 1 : -1;
    const bool right = pos_ >= n_ - 1, left = pos_ <= 0;
    return {observe(), right ? 1.0 : 0.0, right || left, false, env::Info()};
  }

 private:
  env::Observation observe() const {
    // (position in [0, 1], a constant feature)
    return nets::Tensor{static_cast<float>(pos_) / (n_ - 1), 1.f};
  }
  int n_, pos_ = 0;
  env::Box obs_;
  env::Discrete act_{2};
};

int main() {
  // registering takes one line: id, factory, max_episode_steps, reward_threshold
  env::register_env({"Corridor-v0", [](const env::Info&) { return std::make_unique<Corridor>(); }, 50, 0.99});

  auto e = env::make("Corridor-v0");
  env::CheckReport report = env::check_env(*e);
  std::printf("check_env(Corridor-v0): %s\n", report.str().c_str());
  if (!report.ok()) return 1;

  agents::DQNConfig c;
  c.hidden = {32};
  c.gamma = 0.9f;  // with 0.99 the gap between "step right now" (1) and "step left first" (0.99)
                   // is below the network's approximation error, and the greedy policy dithers
  c.lr = 1e-3f;
  c.learning_starts = 500;
  c.train_frequency = 4;
  c.target_update = 200;
  c.total_steps = 6000;
  c.batch_size = 32;
  c.buffer_size = 5000;
  agents::DQN dqn(2, 2, c);
  agents::RunConfig rc;
  rc.env_id = "Corridor-v0";
  rc.total_steps = c.total_steps;
  rc.eval_every = 0;
  rc.final_eval_episodes = 20;
  rc.progress = false;
  agents::RunResult r = agents::run(dqn, rc);
  std::printf("DQN on Corridor-v0 after %ld steps: mean return %.2f (1.0 = always walks right)\n",
              r.steps, r.final_eval.mean);
  return r.final_eval.mean >= 0.99 ? 0 : 1;
}
