// DQN for text environments: the Q-network is an LSTM over the token prefix whose output layer
// gives Q(prefix, token) for every token of the vocabulary (the generator's architecture, with
// Q-values in place of logits). Transitions are stored as the sequence after the action and the
// prefix length before it, so one teacher-forced pass over a batch of sequences gives Q(s, .) at
// position t and the target network's max_a' Q(s', a') at position t + 1. epsilon-greedy
// exploration, a target network, Huber or MSE, gradient clipping, as DQN (dqn.hpp); the
// network's embedding and LSTM widths are hidden[0].
#pragma once

#include <memory>
#include <vector>

#include "seqrl/agents/agent.hpp"
#include "seqrl/agents/dqn/dqn.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::agents {

class SequenceDQN : public Agent {
 public:
  // TokenSequence observations and Discrete(vocab) actions, as SequencePG.
  static std::unique_ptr<SequenceDQN> for_spaces(const env::Space& obs, const env::Space& act,
                                                 const DQNConfig& cfg);
  SequenceDQN(size_t vocab, size_t seq_len, const DQNConfig& cfg);
  std::string name() const override { return "dqn-lstm"; }
  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override;
  void observe(const Transitions& t) override;
  Metrics update() override;
  void save_state(nets::SafeTensors& out) const override;
  void load_state(const nets::SafeTensors& in, const std::string& path) override;
  float epsilon() const;
  float train_step();
  long updates() const override { return updates_; }

  DQNConfig cfg;

 private:
  nets::Tensor q_rows(const nets::LSTMGenerator& net, const nets::IntTensor& seqs,
                      const std::vector<size_t>& pos, bool grad, nets::Var* out);
  size_t V_, T_;
  nets::Rng rng_;
  nets::LSTMGenerator q_, target_;
  std::unique_ptr<nets::Adam> opt_;
  // replay: the sequence after the action [T] (0-padded), prefix length, action, reward, done
  std::vector<int32_t> seqs_, pos_, actions_;
  std::vector<float> rewards_;
  std::vector<uint8_t> dones_;
  size_t head_ = 0, size_ = 0;
  long steps_ = 0, updates_ = 0, last_update_step_ = 0;
};

// The registry entry of `--agent dqn` on text envs (agents/registry.hpp).
struct AgentSpec;
AgentSpec dqn_lstm_agent_spec();

}  // namespace seqrl::agents
