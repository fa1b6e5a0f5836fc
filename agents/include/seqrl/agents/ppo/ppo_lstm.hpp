// PPO on text envs with a KL anchor (`--agent ppo` on TokenSequence observations): RL fine-tuning
// of a language model against a reward model, as Ziegler et al. 2019 ("Fine-Tuning Language
// Models from Human Preferences") and RL4LMs (Ramamurthy et al. 2023) do it.
//  - The policy is an LSTM generator, started from an MLE generator (init_generator: seqrl fit
//    lm's generator.safetensors, checked by agents/generator_file.hpp); a frozen copy of that start
//    is the reference policy.
//  - Each token's reward is the env's (the oracle's likelihood, the grammar, BLEU, a
//    discriminator: whatever reward model the env has) minus beta * (log pi(y_t) - log
//    pi_ref(y_t)), the sampled token's KL estimate, so that the policy pays for leaving the
//    language model it started from, and a learned reward cannot be hacked for free.
//  - beta fixed, or adaptive (target_kl > 0): Ziegler et al.'s proportional controller,
//    e = clip(KL / target_kl - 1, -0.2, 0.2), beta <- beta (1 + e n / horizon), with KL the mean
//    over the update's sequences of their summed per-token estimate and n their number.
//  - A value LSTM (its own embedding and LSTM, a linear head) estimates V(y_<t); advantages by
//    GAE(lambda) over each sequence's tokens (a sequence's end is terminal); n_epochs passes of
//    PPO's clipped surrogate per token over minibatches of sequences, advantages normalised over
//    the minibatch's tokens, the value loss 0.5 (V - R)^2, global gradient norms clipped.
//  - NLPO (RL4LMs' Natural Language Policy Optimization) with top_p < 1: the action space at
//    each prefix is masked to the anchor's top-p tokens (its nucleus: the fewest most likely
//    tokens whose mass reaches p). The policy samples from its own distribution renormalised over
//    that set, and the surrogate's ratios are of those masked distributions. Here the mask comes
//    from the frozen starting policy itself; RL4LMs' mask policy is a copy of the policy refreshed
//    every few updates. Evaluation samples (eval, the suite's text metrics, seqrl generate) are
//    the policy's own, unmasked.
// The surrogate's gradient is taken through the generator's weighted NLL: for token i with
// ratio r_i = pi(y_i) / pi_old(y_i), d(-min(r A, clip(r) A))/d theta = -A r d log pi(y_i) where the
// unclipped term is the smaller, else 0, so sum_i w_i nll_i with w_i = A_i r_i [unclipped] / n has
// the surrogate's gradient (test: tests/agents/test_ppo.cpp checks it against finite differences).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "seqrl/agents/agent.hpp"
#include "seqrl/agents/text_policy.hpp"
#include "seqrl/nets/layers.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::text {
class Vocabulary;
}

namespace seqrl::agents {

struct PPOTextConfig {
  size_t emb = 32, hidden = 32;      // policy LSTM (SeqGAN's generator sizes; init_generator's must match)
  std::string init_generator;        // generator file to start from (empty: random init)
  // lr and gae_lambda: on SeqGAN's oracle rewarded by SeqGAN's D from its MLE generator (seed 1,
  // 60 updates), lr 1e-4 with lambda 0.95 left the policy where it started (KL 0.07 per sequence,
  // the reward flat); lr 1e-3 with lambda 1 (returns minus the value: no bias from a value net
  // that starts untrained) raised the mean reward of the last 10 updates from 0.20 to 0.27
  float lr = 1e-3f;                  // policy Adam learning rate
  float value_lr = 1e-3f;            // value LSTM Adam learning rate
  size_t episodes_per_update = 64;   // sequences per rollout
  size_t batch_size = 16;            // sequences per minibatch
  size_t n_epochs = 4;               // passes over each rollout
  float gamma = 1.f, gae_lambda = 1.f;
  float clip_range = 0.2f;
  float beta = 0.1f;                 // KL penalty weight (the initial one when adaptive)
  float target_kl = 0.f;             // > 0: adaptive beta toward this KL per sequence
  float kl_horizon = 10000.f;        // the adaptive controller's horizon (sequences)
  float max_grad_norm = 0.5f;
  float top_p = 1.f;                 // < 1: NLPO's mask, the anchor's top-p tokens at each prefix
  uint64_t seed = 0;
  std::string env_id;                // the env the run acts on (init_generator is checked against it)
  nlohmann::json env_options = nlohmann::json::object();
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PPOTextConfig, emb, hidden, init_generator, lr, value_lr,
                                                episodes_per_update, batch_size, n_epochs, gamma, gae_lambda,
                                                clip_range, beta, target_kl, kl_horizon, max_grad_norm, top_p, seed,
                                                env_id, env_options)

// Ziegler et al.'s adaptive KL controller: beta after one update that measured `kl` over `n`
// sequences (exposed for its test).
double adapt_beta(double beta, double kl, double target_kl, double n, double horizon);

// The rewards PPO optimises on one sequence of L tokens: the env's reward of each token minus
// beta times the sampled token's KL estimate, log pi(y_t) - log pi_ref(y_t) (Ziegler et al. 2019;
// RL4LMs and TRL put the penalty in the reward the same way, so its gradient is the policy
// gradient's). *kl: the sequence's summed estimate. (Exposed for its test.)
std::vector<double> kl_shaped_rewards(const std::vector<double>& env_rewards, const float* logp, const float* ref_logp,
                                      size_t L, double beta, double* kl = nullptr);

// NLPO's mask of one position: bias[v] = 0 for the fewest most likely tokens of softmax(logits)
// whose mass reaches p (ties broken by the lower id; at least one token), kMasked otherwise.
// (Exposed for its test.)
constexpr float kMasked = -1e30f;
void nucleus_bias(const float* logits, size_t V, double p, float* bias);

// The value LSTM: V(y_<t) for every position of sequences [B, T] (its first input the start token).
class ValueLSTM : public nets::Module {
 public:
  ValueLSTM(size_t vocab, size_t emb, size_t hidden, int32_t start_token, nets::Rng& rng);
  nets::Var forward(const nets::IntTensor& seqs) const;  // [B, T]
  nets::Embedding embedding;
  nets::LSTM lstm;
  nets::Linear head;
  int32_t start_token;
};

class PPOText : public Agent {
 public:
  static std::unique_ptr<PPOText> for_spaces(const env::Space& obs, const env::Space& act, const PPOTextConfig& cfg);
  PPOText(size_t vocab, size_t seq_len, const PPOTextConfig& cfg);
  std::string name() const override { return "ppo-lstm"; }
  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override;
  void observe(const Transitions& t) override;
  Metrics update() override;
  void save_state(nets::SafeTensors& out) const override;
  void load_state(const nets::SafeTensors& in, const std::string& path) override;
  long updates() const override { return updates_; }
  const nets::LSTMGenerator* generator() const override { return &policy_; }
  double beta() const { return beta_; }

  // The clipped surrogate over the tokens of seqs where mask is 1, as a loss whose value is
  // -mean(min(r A, clip(r) A)) over those tokens and whose gradient (in g's parameters) is the
  // surrogate's (see above); old_logp, adv, mask: [B, T]. clipped: the fraction of tokens clipped.
  // bias (optional, NLPO): [B * T, V] added to g's logits at every position (0 or kMasked), so
  // that the ratios are of the masked, renormalised distributions.
  static nets::Var token_surrogate(const nets::LSTMGenerator& g, const nets::IntTensor& seqs,
                                   const nets::Tensor& old_logp, const nets::Tensor& adv, const nets::Tensor& mask,
                                   float eps, double* clipped = nullptr, double* approx_kl = nullptr,
                                   const nets::Tensor* bias = nullptr);
  // log softmax(g's logits + bias) of each position's token of seqs [B, T], as a graph [B * T].
  static nets::Var masked_log_probs(const nets::LSTMGenerator& g, const nets::IntTensor& seqs, const nets::Tensor& bias);

  PPOTextConfig cfg;

 private:
  size_t V_, T_;
  int32_t pad_;  // the padding after a sequence's end (the env's end token, else 0)
  nets::Rng rng_;
  nets::LSTMGenerator policy_, ref_;
  ValueLSTM value_;
  std::unique_ptr<nets::Adam> opt_, value_opt_;
  TextEpisodes episodes_;
  // NLPO: the anchor's nucleus at every position of seqs [B, T] as a bias [B * T, V], each
  // sequence's own token kept in it (acting computed the mask with the same arithmetic)
  nets::Tensor nucleus_of(const nets::IntTensor& seqs) const;
  double beta_;
  long updates_ = 0;
};

struct AgentSpec;
AgentSpec ppo_lstm_agent_spec();

}  // namespace seqrl::agents
