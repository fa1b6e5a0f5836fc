#include "seqrl/agents/random/random.hpp"

#include "seqrl/agents/registry.hpp"
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
  out.metadata["config"] = nlohmann::json{{"seed", seed_}}.dump();
  out.metadata["rng"] = space_->rng().state();
}

void RandomAgent::load_state(const nets::SafeTensors& st, const std::string& path) {
  auto it = st.metadata.find("agent");
  if (it == st.metadata.end() || it->second != "random")
    throw CheckpointError("checkpoint '" + path + "' does not hold a random agent");
  space_->rng().set_state(nets::required_metadata(st, "rng", path));
}

AgentSpec random_agent_spec() {
  AgentSpec s;
  s.kind = "random";
  s.name = "random";
  s.summary = "uniformly random actions: the baseline every normalised score starts from";
  s.spaces = "any action space";
  s.supports = [](const env::Space&, const env::Space&) { return true; };
  s.defaults = [](const std::string&, const std::string&) { return nlohmann::json{{"seed", 0}}; };
  s.run_defaults = [](RunConfig& r, const std::string&, const std::string&) { r.total_steps = 100000; };
  s.bind = [](nlohmann::json& c, const AgentContext& x) { c["seed"] = x.seed; };
  s.make = [](const env::Space&, const env::Space& a, const nlohmann::json& c, bool) -> std::unique_ptr<Agent> {
    return std::make_unique<RandomAgent>(a, c.value("seed", uint64_t(0)));
  };
  return s;
}

}  // namespace seqrl::agents
