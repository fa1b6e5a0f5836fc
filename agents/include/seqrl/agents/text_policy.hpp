// What every agent on a text env needs, whatever it learns by: the next tokens for a batch of
// prefixes from any next-token policy, and the episodes of a vector of text envs as they arrive
// (REINFORCE-LSTM, SeqGAN, LeakGAN and the mle agent use both).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seqrl/agents/agent.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"

namespace seqrl::agents {

// The spaces the LSTM text agents (dqn-lstm, reinforce-lstm, ppo-lstm) act on: TokenSequence
// observations and Discrete actions 0..vocab-1 over the same vocabulary; kTokenSpaces says so
// for `seqrl list agents`.
bool acts_on_tokens(const env::Space& obs, const env::Space& act);
inline const char* const kTokenSpaces = "TokenSequence observations, Discrete actions over the same vocabulary (text envs)";

// Next tokens for a batch of text-env observations ([N, T] prefixes, -1 = not yet generated)
// from an LSTM generator over the same vocabulary and T: sampled (one uniform draw from rng per
// row), or the most likely (deterministic). `who` names the caller in shape errors.
std::vector<env::Action> next_tokens(const nets::LSTMGenerator& g, const nets::Tensor& obs,
                                     bool deterministic, nets::Rng& rng, const std::string& who);
// The same for any policy given as next-token logits: logits(prefix [n, T], given) -> [n, V] for
// rows that share their prefix length (rows are grouped by it).
std::vector<env::Action> next_tokens(const std::function<nets::Tensor(const nets::IntTensor&, size_t)>& logits,
                                     size_t T, size_t V, const nets::Tensor& obs, bool deterministic, nets::Rng& rng,
                                     const std::string& who);

// The episodes of a vector of text envs as transitions arrive: the tokens each sub-env's policy
// chose and the rewards they earned (entries marked invalid skipped), running and finished.
struct TextEpisodes {
  struct Episode {
    std::vector<int32_t> tokens;
    std::vector<double> rewards;
  };
  std::vector<Episode> running, finished;
  void observe(const Transitions& t);
  // Takes the first B finished episodes as a batch [B, T] padded with `pad`: their lengths (the
  // tokens the policy chose) into lengths, and the mean of their returns. Needs B finished.
  nets::IntTensor take_batch(size_t B, size_t T, int32_t pad, std::vector<size_t>& lengths, double& mean_return);
  // For checkpoints: {"running": [...], "finished": [...]}; from_json throws json exceptions.
  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);
};

}  // namespace seqrl::agents
