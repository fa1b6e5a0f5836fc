// MLE as an agent of the runner (`seqrl train --agent mle --env TextOracle-v0`): the baseline of
// every text task. Before its first action it fits an LSTM generator to the env's own task data
// (the oracle's samples, the COCO captions or the grammar's sentences, a corpus; the env spec's text_task) by teacher
// forcing for `epochs` passes, then acts by sampling from it. It learns nothing from the env's
// rewards: the runner records them, so MLE, SeqGAN and REINFORCE on one env are measured by the
// same yardstick. SeqGAN's generator pre-training is this same fit (MLETrainer).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "seqrl/agents/agent.hpp"
#include "seqrl/agents/mle/mle_trainer.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"
#include "seqrl/text/tasks.hpp"

namespace seqrl::agents {

struct MLEAgentConfig {
  size_t emb = 32, hidden = 32;   // generator (SeqGAN's sizes)
  float init_std = 0.f;           // N(0, init_std) init (SeqGAN's 0.1); 0 = the layers' defaults
  float lr = 0.01f;               // Adam (SeqGAN: 0.01)
  float clip = 5.f;               // gradient clip (SeqGAN: 5.0)
  size_t batch = 64;              // sequences per update
  size_t epochs = 50;             // passes over the task's training data (at most, with validation)
  // early stopping: the last `validation` training sequences (at most a tenth) are held out of the
  // epochs; after `patience` epochs without a better NLL on them the generator goes back to its
  // best epoch and the fit ends. 0 = off (every epoch on all the data)
  size_t validation = 0, patience = 2;
  size_t samples = 10000;         // real sequences drawn from the oracle or the grammar
  std::string env_id;             // the env whose task supplies the data
  nlohmann::json env_options = nlohmann::json::object();
  uint64_t seed = 1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MLEAgentConfig, emb, hidden, init_std, lr, clip, batch,
                                                epochs, validation, patience, samples, env_id, env_options, seed)

class MLEAgent : public Agent {
 public:
  // Checks the spaces against the task (as SeqGANAgent::for_spaces); ValueError saying what differs.
  static std::unique_ptr<MLEAgent> for_spaces(const env::Space& obs, const env::Space& act,
                                              const MLEAgentConfig& cfg);
  MLEAgent(const MLEAgentConfig& cfg, text::TextTask task);
  std::string name() const override { return "mle"; }
  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override;
  void observe(const Transitions&) override {}
  Metrics update() override;
  void save_state(nets::SafeTensors& out) const override;
  void load_state(const nets::SafeTensors& in, const std::string& path) override;
  long updates() const override { return updates_; }
  const nets::LSTMGenerator* generator() const override { return &gen_; }
  // Fits the generator now if it has not been (act() does it on first use).
  void fit();

  MLEAgentConfig cfg;

 private:
  text::TextTask task_;
  nets::Rng rng_;
  nets::LSTMGenerator gen_;
  bool fitted_ = false;
  long updates_ = 0;
  Metrics pending_;
};

struct AgentSpec;
AgentSpec mle_agent_spec();

}  // namespace seqrl::agents
