// PPO (Schulman et al. 2017, "Proximal Policy Optimization Algorithms") and A2C (Mnih et al.
// 2016, "Asynchronous Methods for Deep Reinforcement Learning", in its synchronous form) on vector
// envs, as Stable-Baselines3 and CleanRL's ppo.py implement them:
//  - a rollout of n_steps vector steps; advantages by GAE(lambda) (Schulman et al. 2016) per
//    sub-env: a terminated step has no future value, a truncated one (a time limit) bootstraps
//    from the value of its final observation, and an episode's advantages never reach the next;
//  - PPO: n_epochs passes over the rollout in shuffled minibatches of batch_size, the clipped
//    surrogate -min(r A, clip(r, 1 - eps, 1 + eps) A) with r = pi(a|s) / pi_old(a|s), the value
//    loss 0.5 (V - R)^2 (optionally clipped around the old values, CleanRL's max form), an
//    entropy bonus, advantages normalised per minibatch, one Adam (eps 1e-5) over both networks,
//    the global gradient norm clipped; learning rate and clip range optionally annealed linearly
//    to 0 over the run (rl-zoo's lin_X);
//  - A2C: one gradient step on the whole rollout, loss -log pi(a|s) A, RMSProp (alpha 0.99,
//    eps 1e-5), gae_lambda 1 (n-step returns), no advantage normalisation (SB3's defaults).
// Policy and value are separate tanh MLPs (SB3's MlpPolicy: pi [64, 64], vf [64, 64]), with
// orthogonal initialisation (gains sqrt 2, 0.01 for the policy's output, 1 for the value's).
// Discrete actions: categorical; 1-D Box actions: a diagonal Gaussian with a state-independent
// learned log-std, its samples clipped to the Box before they reach the env (the log-probability
// is the unclipped sample's, as SB3's). normalize: VecNormalize's running observation and reward
// scaling (observations to mean 0, std 1, clipped to +-10; rewards divided by the running std of
// the discounted return, clipped to +-10), frozen at evaluation.
// Logged per update (CleanRL's ppo.py): policy_loss, value_loss, entropy, approx_kl
// (mean((r - 1) - log r)), clipfrac, explained_variance, lr, clip_range, and train_return (the
// mean raw return of the episodes that ended in the rollout).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "seqrl/agents/agent.hpp"
#include "seqrl/nets/layers.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::agents {

struct PPOConfig {
  std::string algo = "ppo";          // "ppo" or "a2c"
  std::vector<size_t> hidden = {64, 64};  // policy and value MLPs, tanh
  float lr = 3e-4f;                  // learning rate (initial, when annealed)
  bool anneal_lr = false;            // linearly to 0 over the run
  size_t n_steps = 2048;             // vector steps per rollout
  size_t batch_size = 64;            // PPO's minibatch (transitions)
  size_t n_epochs = 10;              // PPO's passes over each rollout
  float gamma = 0.99f;               // discount
  float gae_lambda = 0.95f;          // GAE's lambda (1: n-step returns)
  float clip_range = 0.2f;           // PPO's epsilon
  bool anneal_clip = false;          // clip range linearly to 0 over the run
  float clip_range_vf = 0.f;         // > 0: value loss clipped around the rollout's values
  bool normalize_advantage = true;   // per minibatch
  float ent_coef = 0.f;              // entropy bonus weight
  float vf_coef = 0.5f;              // value loss weight
  float max_grad_norm = 0.5f;        // global gradient norm clip (0 = off)
  float init_log_std = 0.f;          // Gaussian policies: initial log std
  bool ortho_init = true;            // orthogonal initialisation (else the layers' defaults)
  bool normalize = false;            // VecNormalize: running observation and reward scaling
  float rmsprop_alpha = 0.99f, optim_eps = 1e-5f;  // A2C's RMSProp; both optimizers' eps
  long total_steps = 0;              // the run's env steps (set by the runner): annealing's horizon
  uint64_t seed = 0;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PPOConfig, algo, hidden, lr, anneal_lr, n_steps, batch_size,
                                                n_epochs, gamma, gae_lambda, clip_range, anneal_clip,
                                                clip_range_vf, normalize_advantage, ent_coef, vf_coef,
                                                max_grad_norm, init_log_std, ortho_init, normalize,
                                                rmsprop_alpha, optim_eps, total_steps, seed)

// GAE(lambda) over one sub-env's transitions in time order (exposed for its test). values[t] is
// V(s_t); next_values[t] is V(s_{t+1}) where the episode goes on or was truncated (the final
// observation's value) and is ignored where it terminated; ended[t]: the episode ended at t
// (terminated or truncated), so that no advantage flows back across it. Returns the advantages;
// the value targets are advantages + values.
std::vector<double> gae(const std::vector<double>& rewards, const std::vector<double>& values,
                        const std::vector<double>& next_values, const std::vector<uint8_t>& terminated,
                        const std::vector<uint8_t>& ended, double gamma, double lambda);

// Running mean and variance (Chan et al.'s parallel update, as SB3's RunningMeanStd).
struct RunningMeanStd {
  std::vector<double> mean, var;
  double count = 1e-4;
  void update(const float* x, size_t n, size_t dim);
};

class PPO : public Agent {
 public:
  static std::unique_ptr<PPO> for_spaces(const env::Space& obs, const env::Space& act, const PPOConfig& cfg);
  PPO(size_t obs_dim, const env::Space& action_space, const PPOConfig& cfg);
  std::string name() const override { return cfg.algo; }
  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override;
  void observe(const Transitions& t) override;
  Metrics update() override;
  void save_state(nets::SafeTensors& out) const override;
  void load_state(const nets::SafeTensors& in, const std::string& path) override;
  long updates() const override { return updates_; }

  // The clipped surrogate's loss -mean(min(r A, clip(r, 1 - eps, 1 + eps) A)), r = exp(logp -
  // old_logp), differentiable in logp (exposed for its gradient test). clipped (optional): the
  // fraction of rows where |r - 1| > eps.
  static nets::Var clipped_surrogate(const nets::Var& logp, const nets::Tensor& old_logp, const nets::Tensor& adv,
                                     float eps, double* clipped = nullptr);

  PPOConfig cfg;

 private:
  nets::Tensor prepare(const nets::Tensor& obs, bool update_stats);
  // log pi(a|s) [n] and the mean entropy of the policy's distributions at obs rows
  void log_prob(const nets::Tensor& obs, const std::vector<float>& acts, size_t b, size_t e, nets::Var& logp,
                nets::Var& entropy) const;
  float progress_left() const;
  size_t obs_dim_, act_dim_;
  bool discrete_;
  nets::Tensor act_low_, act_high_;
  nets::Rng rng_;
  nets::MLP policy_, value_;
  nets::Var log_std_;
  std::unique_ptr<nets::Optimizer> opt_;
  // the rollout: per vector step, per sub-env
  struct Step {
    std::vector<float> obs, act;  // normalised observations [N * obs_dim], raw actions [N * adim]
    std::vector<float> logp, value, reward, next_value;  // next_value: truncated rows only
    std::vector<uint8_t> terminated, truncated, valid;
  };
  std::vector<Step> rollout_;
  // what act() decided for the batch observe() will record
  std::vector<float> pending_obs_, pending_act_, pending_logp_, pending_value_;
  std::vector<float> last_next_obs_;  // the raw observations after the last observed step
  RunningMeanStd obs_rms_, ret_rms_;
  std::vector<double> ret_acc_;     // per sub-env: the discounted return so far (reward scaling)
  std::vector<double> ep_return_;   // per sub-env: the raw return of the episode in progress
  std::vector<double> ended_returns_;  // raw returns of the episodes that ended in this rollout
  long env_steps_ = 0, updates_ = 0;
};

struct AgentSpec;
AgentSpec ppo_agent_spec();
AgentSpec a2c_agent_spec();

}  // namespace seqrl::agents
