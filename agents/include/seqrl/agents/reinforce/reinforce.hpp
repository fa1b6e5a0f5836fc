// REINFORCE (Williams 1992, "Simple statistical gradient-following algorithms for connectionist
// reinforcement learning"): loss = -mean_t log pi(a_t|s_t) (G_t - b(s_t)) - entropy_coef * H,
// with discounted returns G_t, an optional baseline (a learned value network, or the batch mean)
// and an entropy bonus. Categorical policy for Discrete actions; for Box actions a diagonal
// Gaussian with a state-independent learned log-std, whose samples are clipped to the Box before
// they reach the env (the log-probability uses the unclipped sample). Updates after every
// `episodes_per_update` finished episodes. Truncated episodes end the return sum there (no
// bootstrap), as plain REINFORCE does.
//
// Monte-Carlo rollout returns (mc_rollouts = N > 0), the estimate SeqGAN uses for its Q: after
// each step t, the sub-env is cloned N times and the current policy runs on the clones to the
// end of the episode, or for mc_horizon steps when that is > 0; the return of step t becomes
// r_t + gamma * (mean discounted rollout return), in place of the episode's discounted sum. The
// clones copy the env's RNG too, so on stochastic envs the N rollouts share the env's random
// draws (common random numbers) and differ by the policy's samples.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "seqrl/agents/agent.hpp"
#include "seqrl/nets/layers.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::agents {

struct ReinforceConfig {
  std::vector<size_t> hidden = {64, 64};  // policy (and value) hidden layers, tanh
  float lr = 1e-3f;                 // policy Adam learning rate
  float gamma = 0.99f;              // discount
  std::string baseline = "value";   // "value" (learned), "mean" (batch mean) or "none"
  float value_lr = 1e-3f;           // value network Adam learning rate
  int value_epochs = 5;             // value regression passes per update
  float entropy_coef = 0.0f;        // entropy bonus weight
  size_t episodes_per_update = 8;   // finished episodes per gradient step
  bool normalize_advantages = true; // scale advantages to mean 0, std 1 per batch
  float max_grad_norm = 0.f;        // global gradient clip (0 = off)
  float init_log_std = 0.f;         // Gaussian policies: initial log standard deviation
  size_t mc_rollouts = 0;           // N Monte-Carlo rollouts per step for the return (0 = off)
  size_t mc_horizon = 0;            // rollout length (0 = to the end of the episode)
  uint64_t seed = 0;                // init, sampling
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ReinforceConfig, hidden, lr, gamma, baseline,
                                                value_lr, value_epochs, entropy_coef,
                                                episodes_per_update, normalize_advantages,
                                                max_grad_norm, init_log_std, mc_rollouts,
                                                mc_horizon, seed)

class Reinforce : public Agent {
 public:
  // Checks the spaces (flat Box observations; Discrete or 1-D Box actions).
  static std::unique_ptr<Reinforce> for_spaces(const env::Space& obs, const env::Space& act,
                                               const ReinforceConfig& cfg);
  Reinforce(size_t obs_dim, const env::Space& action_space, const ReinforceConfig& cfg);
  std::string name() const override { return "reinforce"; }
  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override;
  void observe(const Transitions& t) override;
  Metrics update() override;
  void save_state(nets::SafeTensors& out) const override;
  void load_state(const nets::SafeTensors& in, const std::string& path) override;
  long updates() const override { return updates_; }

  ReinforceConfig cfg;

  // One sub-env's episode: observations, actions (the unclipped samples) and rewards.
  struct Episode {
    std::vector<float> obs, actions;
    std::vector<double> rewards;
    std::vector<double> q;  // Monte-Carlo return estimates (mc_rollouts > 0)
  };
  // The Monte-Carlo estimate of the discounted return from env's current state (observation
  // obs) under the current policy: the mean over mc_rollouts rollouts on clones.
  double rollout_value(const env::Env& env, const float* obs);

 private:
  nets::Tensor flatten(const nets::Tensor& obs) const;
  // Sampled (or greedy) actions for a batch; raw (if given) gets the unclipped samples.
  std::vector<env::Action> policy_actions(const nets::Tensor& obs, bool deterministic,
                                          std::vector<std::vector<float>>* raw);
  size_t obs_dim_, act_dim_;
  bool discrete_;
  int64_t num_actions_ = 0;
  nets::Tensor act_low_, act_high_;
  nets::Rng rng_;
  nets::MLP policy_, value_;
  nets::Var log_std_;
  std::unique_ptr<nets::Adam> opt_, value_opt_;
  std::vector<Episode> running_, finished_;
  std::vector<std::vector<float>> last_raw_;  // per sub-env: the unclipped sample of the last act()
  long updates_ = 0;
};

// The registry entry of `--agent reinforce` on vector observations (agents/registry.hpp).
struct AgentSpec;
AgentSpec reinforce_agent_spec();

}  // namespace seqrl::agents
