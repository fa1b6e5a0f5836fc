// DQN (Mnih et al. 2015, "Human-level control through deep reinforcement learning") with the
// options users know from CleanRL's dqn.py and Stable-Baselines3: uniform replay, a target network
// (hard copy every target_update steps, or Polyak with tau < 1), linear epsilon schedule, Double
// DQN (van Hasselt et al. 2016), MSE or Huber loss, gradient clipping. Bootstrapping is correct
// at time limits: no bootstrap past `terminated`, bootstrap from the final observation when only
// `truncated`.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "seqrl/agents/agent.hpp"
#include "seqrl/nets/layers.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::agents {

struct DQNConfig {
  std::vector<size_t> hidden = {120, 84};  // Q-network hidden layers (CleanRL: 120, 84)
  float lr = 2.5e-4f;              // Adam learning rate
  float gamma = 0.99f;             // discount
  size_t buffer_size = 10000;      // replay capacity (transitions)
  size_t batch_size = 128;         // transitions per update
  float start_e = 1.f;             // epsilon at step 0
  float end_e = 0.05f;             // final epsilon
  float exploration_fraction = 0.5f;  // share of total_steps over which epsilon decays
  long total_steps = 500000;       // the run's length (sets the epsilon schedule)
  long learning_starts = 10000;    // env steps before the first update
  long train_frequency = 10;       // env steps between training rounds
  int gradient_steps = 1;          // gradient steps per training round (SB3's gradient_steps)
  long target_update = 500;        // env steps between target updates
  float tau = 1.f;                 // 1 = hard copy, < 1 = Polyak averaging
  bool double_dqn = false;         // Double DQN targets
  bool huber = false;              // Huber (smooth L1) loss instead of MSE
  float max_grad_norm = 0.f;       // global gradient-norm clip (0 = off)
  uint64_t seed = 0;               // network init, exploration and replay sampling
};

// JSON round trip of the config (missing keys keep their defaults); checkpoints carry it.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DQNConfig, hidden, lr, gamma, buffer_size,
                                                batch_size, start_e, end_e, exploration_fraction,
                                                total_steps, learning_starts, train_frequency,
                                                gradient_steps, target_update, tau, double_dqn,
                                                huber, max_grad_norm, seed)

// Throws ValueError (prefixed `who`) for a config the schedule cannot run: tau outside (0, 1],
// gamma outside [0, 1], train_frequency, target_update or gradient_steps below 1, a negative
// learning_starts or exploration_fraction, epsilons outside [0, 1]. DQN and dqn-lstm share it.
void check_dqn_config(const DQNConfig& c, const std::string& who);

// DQN's schedule, shared by the MLP and the LSTM Q-networks: for every env step crossed since
// `last` (CleanRL's loop runs once per global step), after learning_starts and once `buffered`
// holds a batch: gradient_steps calls of train() every train_frequency steps, and the target
// update (hard copy, or Polyak with tau < 1) every target_update steps. Advances last to steps.
Metrics dqn_schedule(const DQNConfig& cfg, long& last, long steps, size_t buffered,
                     const std::function<float()>& train, float epsilon, nets::Module& target,
                     const nets::Module& online);

class DQN : public Agent {
 public:
  // obs_dim: the flat observation size; num_actions: the Discrete action count.
  DQN(size_t obs_dim, int64_t num_actions, const DQNConfig& cfg);
  // Checks that the spaces fit (flat Box observations, Discrete actions); throws ValueError why not.
  static std::unique_ptr<DQN> for_spaces(const env::Space& obs, const env::Space& act,
                                         const DQNConfig& cfg);
  std::string name() const override { return "dqn"; }
  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override;
  void observe(const Transitions& t) override;
  Metrics update() override;
  void save_state(nets::SafeTensors& out) const override;
  void load_state(const nets::SafeTensors& in, const std::string& path) override;

  float epsilon() const;
  // Q-values [N, A] of observations [N, ...] (no graph).
  nets::Tensor q_values(const nets::Tensor& obs);
  long steps() const { return steps_; }
  long updates() const override { return updates_; }
  // One gradient step on a sampled batch (exposed for benchmarks); returns the loss.
  float train_step();

  DQNConfig cfg;

 private:
  size_t obs_dim_;
  int64_t num_actions_;
  nets::Rng rng_;
  nets::MLP q_, target_;
  std::unique_ptr<nets::Adam> opt_;
  // replay ring buffer
  std::vector<float> obs_, next_obs_, rewards_;
  std::vector<int32_t> actions_;
  std::vector<uint8_t> dones_;  // terminated (not truncated)
  size_t pos_ = 0, size_ = 0;
  long steps_ = 0, updates_ = 0, last_update_step_ = 0;
};

// The registry entry of `--agent dqn` on vector observations (agents/registry.hpp), and the tuned
// DQN hyperparameters per environment (rl-zoo style; CleanRL's otherwise), shared with dqn-lstm.
struct AgentSpec;
struct AgentOption;
AgentSpec dqn_agent_spec();
DQNConfig dqn_defaults(const std::string& env_id);
std::vector<AgentOption> dqn_options();

}  // namespace seqrl::agents
