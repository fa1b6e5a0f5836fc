// RandomAgent: uniformly random actions from the action space; learns nothing. The baseline every
// learning curve is compared against (`seqrl train --agent random`).
#pragma once

#include <memory>

#include "seqrl/agents/agent.hpp"

namespace seqrl::agents {

class RandomAgent : public Agent {
 public:
  RandomAgent(const env::Space& action_space, uint64_t seed);
  std::string name() const override { return "random"; }
  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override;
  void observe(const Transitions&) override {}
  Metrics update() override { return {}; }
  void save_state(nets::SafeTensors& out) const override;
  void load_state(const nets::SafeTensors& in, const std::string& path) override;

 private:
  std::unique_ptr<env::Space> space_;
  uint64_t seed_;
};

// The registry entry of `--agent random` (agents/registry.hpp).
struct AgentSpec;
AgentSpec random_agent_spec();

}  // namespace seqrl::agents
