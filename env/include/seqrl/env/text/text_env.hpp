// Text generation as an environment (SeqGAN's view of a generator as a policy): the observation is
// the token prefix, a TokenSequence(vocab, T) whose positions not yet generated hold -1; the action
// is the next token, Discrete(vocab); the episode ends after T tokens, or at the end token when the
// env has one (the rest of the sequence is then filled with it). The reward comes from a
// RewardModel: by default all of it at the end of the episode (0 before). With rollouts N > 0 and a
// rollout policy, every step t is rewarded with SeqGAN's Monte-Carlo estimate
//   r_t = Q(Y_1:t-1, y_t) = mean over N completions of the prefix Y_1:t of reward(completion)
// (the last step gets reward(Y_1:T) itself); an agent then uses gamma = 0, so that the return of
// step t is Q, as in SeqGAN's generator loss.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "seqrl/env/env.hpp"
#include "seqrl/nets/models/discriminator.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"
#include "seqrl/text/grammar.hpp"
#include "seqrl/text/metrics.hpp"
#include "seqrl/text/oracle.hpp"
#include "seqrl/text/tasks.hpp"

namespace seqrl::env {

// The number of tokens in a prefix observation row of T values (they end at the first -1).
inline size_t prefix_length(const float* row, size_t T) {
  size_t n = 0;
  while (n < T && row[n] >= 0.f) ++n;
  return n;
}

// Scores complete sequences [B, T] of token ids, higher is better. Shared between clones.
class RewardModel {
 public:
  virtual ~RewardModel() = default;
  virtual std::string name() const = 0;
  virtual std::vector<double> score(const nets::IntTensor& seqs) = 0;
};

// The oracle's mean log-likelihood per token, -NLL-oracle of the sequence (synthetic task).
class OracleLikelihoodReward : public RewardModel {
 public:
  explicit OracleLikelihoodReward(std::shared_ptr<const text::Oracle> oracle) : oracle_(std::move(oracle)) {}
  std::string name() const override { return "oracle-likelihood"; }
  std::vector<double> score(const nets::IntTensor& seqs) override;

 private:
  std::shared_ptr<const text::Oracle> oracle_;
};

// A discriminator's P(real) (SeqGAN's reward).
// P(real) of SeqGAN's CNN discriminator. Sub-envs share it: scoring is serialised (the
// discriminator keeps its score table between calls).
class DiscriminatorReward : public RewardModel {
 public:
  explicit DiscriminatorReward(std::shared_ptr<nets::Discriminator> d) : d_(std::move(d)) {}
  std::string name() const override { return "discriminator"; }
  std::vector<double> score(const nets::IntTensor& seqs) override;

 private:
  std::shared_ptr<nets::Discriminator> d_;
  std::mutex mu_;
};

// BLEU-n of the decoded sentence against a reference set (PG-BLEU).
class BleuReward : public RewardModel {
 public:
  BleuReward(std::shared_ptr<const text::Vocabulary> vocab, const std::vector<text::Sentence>& refs, int n);
  std::string name() const override { return "bleu"; }
  std::vector<double> score(const nets::IntTensor& seqs) override;

 private:
  std::shared_ptr<const text::Vocabulary> vocab_;
  text::BleuIndex index_;
  int n_;
};

// 1 when the decoded sentence (up to the end token) is in the grammar's language, else 0.
class GrammarReward : public RewardModel {
 public:
  GrammarReward(std::shared_ptr<const text::Grammar> g, std::shared_ptr<const text::Vocabulary> vocab, size_t max_len)
      : g_(std::move(g)), vocab_(std::move(vocab)), max_len_(max_len) {}
  std::string name() const override { return "grammar"; }
  std::vector<double> score(const nets::IntTensor& seqs) override;

 private:
  std::shared_ptr<const text::Grammar> g_;
  std::shared_ptr<const text::Vocabulary> vocab_;
  size_t max_len_;
};

// The caption grammar's vocabulary: the special tokens, then its words.
text::Vocabulary grammar_vocabulary(const text::Grammar& g);

// The options of the text envs as their tasks (text/tasks.hpp) take them, parsed in this one
// place for the env, its task and the Python module: TextOracle-v0's oracle, oracle_seed (default
// 0), vocab, seq_len, emb, hidden; TextCoco-v0's corpus (its test file: test_coco.txt beside it,
// else the corpus itself); TextCorpus-v0's corpus, test, tokenizer, lower, max_vocab, max_tokens.
// ValueError naming the option for a value of the wrong type or a missing corpus.
text::TextTaskOptions oracle_options(const Info& options);
text::TextTaskOptions corpus_options(const std::string& id, const Info& options);

class TextGenEnv : public Env {
 public:
  // eos: the end token (-1: none, episodes last T steps). rollout_policy and rollouts: per-step
  // Monte-Carlo rewards (see above); the policy is shared, so an agent can keep it current.
  TextGenEnv(size_t vocab, size_t seq_len, std::shared_ptr<RewardModel> reward, int32_t eos = -1,
             std::shared_ptr<const nets::LSTMGenerator> rollout_policy = nullptr, size_t rollouts = 0);
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return act_space_; }
  std::unique_ptr<Env> clone() const override { return std::make_unique<TextGenEnv>(*this); }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  RewardModel& reward_model() { return *reward_; }
  // Replaces the reward model (shared by the clones made afterwards).
  void set_reward_model(std::shared_ptr<RewardModel> r);
  size_t vocab() const { return size_t(act_space_.n()); }
  // The words behind the token ids, for envs over words (TextGrammar-v0, TextCoco-v0 set it);
  // null for bare ids (TextOracle-v0).
  void set_words(std::shared_ptr<const text::Vocabulary> words) { words_ = std::move(words); }
  const text::Vocabulary* words() const { return words_.get(); }
  int32_t eos() const { return eos_; }  // the end token, -1 for none

 protected:
  ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) override;
  StepResult step_impl(const Action& action) override;
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;

 private:
  Observation observe() const;
  size_t T_;
  int32_t eos_;
  std::shared_ptr<RewardModel> reward_;
  std::shared_ptr<const nets::LSTMGenerator> rollout_;
  size_t rollouts_;
  TokenSequence obs_space_;
  Discrete act_space_;
  std::vector<int32_t> tokens_;
  std::shared_ptr<const text::Vocabulary> words_;
};

}  // namespace seqrl::env
