// Agent: the algorithm side of the loop. The runner owns the loop, seeding, evaluation, logging
// and checkpoints (CleanRL's split between algorithm logic and the rest); the agent owns the
// learning. It always sees a batch (a vector env of size 1 is a batch of 1).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "seqrl/env/env.hpp"

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
  // Full state (networks, optimizer, RNG, counters) to a safetensors checkpoint, atomically.
  virtual void save(const std::string& path) const = 0;
  virtual void load(const std::string& path) = 0;
};

}  // namespace seqrl::agents
