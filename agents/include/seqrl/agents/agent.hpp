// Agent: the algorithm side of the loop. The runner owns the loop, seeding, evaluation, logging
// and checkpoints (CleanRL's split between algorithm logic and the rest); the agent owns the
// learning. It always sees a batch (a vector env of size 1 is a batch of 1).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "seqrl/env/env.hpp"

namespace seqrl::nets {
struct SafeTensors;
class LSTMGenerator;
class Rng;
}

namespace seqrl::agents {

using Metrics = std::vector<std::pair<std::string, double>>;

// One step of every sub-env: obs [N, ...], the actions taken, and what came back. Sub-envs whose
// previous step ended are being reset by this step (next-step autoreset) and are marked invalid:
// their entries are not transitions.
struct Transitions {
  nets::Tensor obs, next_obs;
  std::vector<env::Action> actions;
  std::vector<double> rewards;
  std::vector<uint8_t> terminated, truncated, valid;
  // The sub-envs right after this step (the runner fills it): agents that search or estimate
  // returns by Monte-Carlo rollouts clone them. Empty when the caller has no envs to offer.
  std::vector<const env::Env*> envs;
};

class Agent {
 public:
  virtual ~Agent() = default;
  virtual std::string name() const = 0;
  // Actions for a batch of observations [N, ...]. deterministic: the greedy/mean action (evaluation).
  virtual std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) = 0;
  // Records a step of transitions (learning data).
  virtual void observe(const Transitions& t) = 0;
  // Called once per vector step after observe(); trains when the agent's schedule says so and
  // returns what it measured (empty when it did not train).
  virtual Metrics update() = 0;
  // Gradient updates made so far (0 for agents that do not learn).
  virtual long updates() const { return 0; }
  // True once the agent's own budget is spent (a GAN's protocol of total_batches g-steps under
  // --steps 0): the runner ends the run there, before total_steps, with the usual final
  // checkpoint and evaluation.
  virtual bool done() const { return false; }
  // The language model that generates its actions, for agents on text envs that have one
  // (mle, reinforce-lstm, seqgan): `seqrl generate` and the suite's text metrics sample from it.
  virtual const nets::LSTMGenerator* generator() const { return nullptr; }
  // Whether the agent is a generator of whole sequences on a text env (it has a generator(), or
  // overrides the two below, as LeakGAN does): `seqrl generate` and the suite's text metrics.
  virtual bool generates_text() const { return generator() != nullptr; }
  // n sequences [n, T] sampled at a temperature; ValueError when the agent generates no text.
  virtual nets::IntTensor sample_text(size_t n, nets::Rng& rng, float temperature) const;
  // Per-token log-probabilities [B, T] of seqs under its distribution at a temperature.
  virtual nets::Tensor text_log_probs(const nets::IntTensor& seqs, float temperature) const;
  // The full state (networks, optimizer, RNG, counters, episodes in progress) added to a
  // checkpoint's tensors and metadata, so that a run resumed from it continues exactly. Metadata
  // "agent" names the agent (the factory reads it). The runner adds its own entries under "run.".
  virtual void save_state(nets::SafeTensors& out) const = 0;
  // Reads what save_state wrote; errors are CheckpointErrors naming `path` and the entry.
  virtual void load_state(const nets::SafeTensors& in, const std::string& path) = 0;
  // save_state into a safetensors file, written atomically; and back.
  void save(const std::string& path) const;
  void load(const std::string& path);
};

}  // namespace seqrl::agents
