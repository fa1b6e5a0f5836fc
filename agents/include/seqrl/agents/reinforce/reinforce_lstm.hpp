// REINFORCE for text environments: the policy is an LSTM generator over the token prefix
// (TokenSequence observations, Discrete(vocab) actions), so a language model pre-trained by MLE
// (seqrl mle, seqrl seqgan --mode mle) can start it. Loss per batch of episodes:
//   -(1/M) sum_episodes sum_t log pi(y_t | y_<t) * (G_t - b),   G_t = sum_k>=t gamma^(k-t) r_k
// with b the batch mean of G (baseline "mean") or 0 ("none", SeqGAN's choice). On a text env
// rewarded at the end, gamma = 1 gives every token the sequence's reward; with the env's per-step
// Monte-Carlo rewards, gamma = 0 makes G_t = Q(Y_1:t-1, y_t) and this is SeqGAN's g-step.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seqrl/agents/agent.hpp"
#include "seqrl/agents/text_policy.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::agents {

struct SequencePGConfig {
  size_t emb = 32, hidden = 32;     // policy LSTM (SeqGAN's generator sizes)
  float lr = 0.01f;                 // Adam (SeqGAN's generator rate)
  float clip = 5.f;                 // global gradient clip (0 = off)
  float gamma = 1.f;                // discount over tokens
  std::string baseline = "mean";    // "mean" or "none"
  size_t episodes_per_update = 64;  // finished sequences per gradient step
  std::string init_checkpoint;      // generator file to start from (empty = random init)
  uint64_t seed = 0;
  // the env the run acts on: init_checkpoint's vocabulary and end token are checked against it
  std::string env_id;
  nlohmann::json env_options = nlohmann::json::object();
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SequencePGConfig, emb, hidden, lr, clip, gamma,
                                                baseline, episodes_per_update, init_checkpoint, seed,
                                                env_id, env_options)

class SequencePG : public Agent {
 public:
  // Checks the spaces: TokenSequence observations and Discrete actions over the same vocabulary.
  static std::unique_ptr<SequencePG> for_spaces(const env::Space& obs, const env::Space& act,
                                                const SequencePGConfig& cfg);
  SequencePG(size_t vocab, size_t seq_len, const SequencePGConfig& cfg);
  std::string name() const override { return "reinforce-lstm"; }
  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override;
  void observe(const Transitions& t) override;
  Metrics update() override;
  void save_state(nets::SafeTensors& out) const override;
  void load_state(const nets::SafeTensors& in, const std::string& path) override;
  long updates() const override { return updates_; }
  const nets::LSTMGenerator& policy() const { return policy_; }
  const nets::LSTMGenerator* generator() const override { return &policy_; }

  SequencePGConfig cfg;

 private:
  size_t V_, T_;
  nets::Rng rng_;
  nets::LSTMGenerator policy_;
  std::unique_ptr<nets::Adam> opt_;
  TextEpisodes episodes_;
  long updates_ = 0;
};

// The registry entry of `--agent reinforce` on text envs (agents/registry.hpp).
struct AgentSpec;
AgentSpec reinforce_lstm_agent_spec();

}  // namespace seqrl::agents
