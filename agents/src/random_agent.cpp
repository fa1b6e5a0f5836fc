#include "seqrl/agents/random_agent.hpp"

#include "seqrl/env/check_env.hpp"
#include "seqrl/nets/checkpoint.hpp"

namespace seqrl::agents {

RandomAgent::RandomAgent(const env::Space& action_space, uint64_t seed)
    : space_(action_space.clone()), seed_(seed) {
  space_->seed(seed);
}

std::vector<env::Action> RandomAgent::act(const nets::Tensor& obs, bool) {
  std::vector<env::Action> a;
  for (size_t i = 0; i < obs.shape()[0]; ++i) a.push_back(env::sample_action(*space_));
  return a;
}

void RandomAgent::save_state(nets::SafeTensors& out) const {
  out.metadata["agent"] = "random";
  out.metadata["seed"] = std::to_string(seed_);
  out.metadata["rng"] = space_->rng().state();
}

void RandomAgent::load_state(const nets::SafeTensors& st, const std::string& path) {
  auto it = st.metadata.find("agent");
  if (it == st.metadata.end() || it->second != "random")
    throw CheckpointError("checkpoint '" + path + "' does not hold a random agent");
  space_->rng().set_state(nets::required_metadata(st, "rng", path));
}

}  // namespace seqrl::agents
