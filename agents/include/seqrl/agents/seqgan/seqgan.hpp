// SeqGAN as an agent of the runner (`seqrl train --agent seqgan --env TextOracle-v0`): the same
// algorithm as `seqrl seqgan` (agents/seqgan/seqgan_trainer.hpp), with its generator acting in a text env.
//
//   - Before the first action: pre-train G by MLE on the task's real data and D on fresh
//     negatives, as the protocol says (or start G from `init_generator` and skip the MLE phase).
//   - act(): G samples the next token of every sub-env's prefix.
//   - Every `batch` finished episodes: one g-step on those sequences (Q from the rollouts scored
//     by D; tokens after an episode's end get no gradient), then `d_steps` d-steps on fresh
//     negatives. So the adversarial phase lasts steps / (batch * T) batches.
//
// The env's own reward (the oracle's log-likelihood, BLEU, grammaticality) is not what SeqGAN
// learns from: the discriminator's Q is. The runner still records the env's returns, so SeqGAN,
// REINFORCE and DQN on the same env are measured by the same yardstick. The task's real data
// is the env's own: the oracle, caption corpus or grammar the env id and options name, sampled
// with the run's seed (the env spec's text_task, env/registry.hpp).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seqrl/agents/agent.hpp"
#include "seqrl/agents/seqgan/seqgan_trainer.hpp"
#include "seqrl/agents/text_policy.hpp"
#include "seqrl/text/tasks.hpp"

namespace seqrl::agents {

struct SeqGANAgentConfig {
  SeqGANConfig gan = seqgan_protocol("fast");
  std::string init_generator;  // generator.safetensors to start G from (skips MLE pre-training)
  std::string env_id;          // the env whose task supplies the real data
  nlohmann::json env_options = nlohmann::json::object();
  size_t samples = 10000;      // real sequences drawn from the oracle or the grammar
  // g-steps after which the agent is done (Agent::done) and the runner ends the run; 0 = run to
  // --steps. Set to the protocol's total_batches when the run was started with --steps 0.
  size_t stop_after_batches = 0;
};
void to_json(nlohmann::json& j, const SeqGANAgentConfig& c);
void from_json(const nlohmann::json& j, SeqGANAgentConfig& c);

// The text envs with data behind them (env::text_task_ids), comma-separated.
std::string text_envs_with_data();
struct AgentSpec;
// What the agents trained on a text env's data (mle, seqgan, leakgan) share in their spec: kind
// and name, what they act on (acts_on_text, text envs with data behind them), and the run's
// settings: total_steps (0: the protocol's), 64 sub-envs (one per sequence of a batch), no
// periodic logging or evaluation, 10 final episodes (greedy decoding: one sequence).
AgentSpec text_data_agent_spec(const std::string& kind, const std::string& summary, const std::string& data_parallel,
                               long total_steps);
// Whether obs/act are a text env's (TokenSequence observations, Discrete actions): the spaces of
// the agents trained on a task's real data (mle, seqgan, leakgan).
bool acts_on_text(const env::Space& obs, const env::Space& act);
// env::text_task, checked against the env's spaces (TokenSequence of the task's vocabulary and T,
// Discrete actions 0..vocab-1); ValueError naming `who` and what differs.
text::TextTask task_for_spaces(const std::string& who, const env::Space& obs, const env::Space& act,
                               const std::string& env_id, const nlohmann::json& env_options, size_t samples,
                               uint64_t seed);

class SeqGANAgent : public Agent {
 public:
  // Checks the spaces against the task (TokenSequence of the task's vocabulary and T, Discrete
  // actions over it); ValueError saying what differs.
  static std::unique_ptr<SeqGANAgent> for_spaces(const env::Space& obs, const env::Space& act,
                                                 const SeqGANAgentConfig& cfg);
  SeqGANAgent(const SeqGANAgentConfig& cfg, text::TextTask task);
  std::string name() const override { return "seqgan"; }
  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override;
  void observe(const Transitions& t) override;
  Metrics update() override;
  void save_state(nets::SafeTensors& out) const override;
  void load_state(const nets::SafeTensors& in, const std::string& path) override;
  long updates() const override { return batches_; }
  bool done() const override { return cfg.stop_after_batches && batches_ >= long(cfg.stop_after_batches); }
  SeqGAN& gan() { return *gan_; }
  const nets::LSTMGenerator* generator() const override { return &gan_->gen; }
  // Runs the pre-training phases now if they have not run (act() does it on first use).
  void pretrain();
  // Every network the ranks of a data-parallel run must hold alike (nets::check_replicas).
  nets::NamedParams replicated() const;

  SeqGANAgentConfig cfg;

 private:
  text::TextTask task_;
  std::unique_ptr<SeqGAN> gan_;
  bool pretrained_ = false;
  long batches_ = 0;
  Metrics pending_;  // pre-training figures, reported with the first update
  TextEpisodes episodes_;
};

// The adversarial text agents' (SeqGAN's, LeakGAN's) checkpoint layout around their GAN's own
// state: save_gan writes the GAN's tensors and metadata (under "gan."), then the agent's name,
// its config, the adversarial batches so far, whether pre-training ran and the episodes in
// flight. load_adversarial_state checks the name (CheckpointError naming the file and both
// agents), calls load_gan and reads the rest; any other failure becomes a CheckpointError naming
// the agent and the file.
void save_adversarial_state(nets::SafeTensors& out, const std::string& agent, const nlohmann::json& config,
                            long batches, bool pretrained, const TextEpisodes& episodes,
                            const std::function<void(nets::SafeTensors&)>& save_gan);
void load_adversarial_state(const nets::SafeTensors& in, const std::string& path, const std::string& agent,
                            long& batches, bool& pretrained, TextEpisodes& episodes,
                            const std::function<void()>& load_gan);

// The registry entry of `--agent seqgan` (agents/registry.hpp).
struct AgentSpec;
AgentSpec seqgan_agent_spec();

}  // namespace seqrl::agents
