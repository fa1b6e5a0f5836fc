#include "seqrl/agents/factory.hpp"

#include "seqrl/agents/registry.hpp"
#include "seqrl/nets/checkpoint.hpp"

namespace seqrl::agents {

std::unique_ptr<Agent> load_agent(const std::string& path, const env::Space& obs,
                                  const env::Space& act) {
  return load_agent(nets::load_safetensors(path), path, obs, act);
}

std::unique_ptr<Agent> load_agent(const nets::SafeTensors& st, const std::string& path,
                                  const env::Space& obs, const env::Space& act) {
  auto it = st.metadata.find("agent");
  if (it == st.metadata.end())
    throw CheckpointError("checkpoint '" + path + "' does not say which agent it holds (no 'agent' metadata)");
  const std::string kind = it->second;
  nlohmann::json cfg = nlohmann::json::object();
  if (auto c = st.metadata.find("config"); c != st.metadata.end()) {
    try {
      cfg = nlohmann::json::parse(c->second);
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError("checkpoint '" + path + "': its 'config' metadata is not JSON: " + e.what());
    }
  }
  const AgentSpec* spec = nullptr;
  try {
    spec = &agent_kind(kind);
  } catch (const KeyError& e) {
    throw CheckpointError("checkpoint '" + path + "' holds an " + e.what());
  }
  std::unique_ptr<Agent> agent;
  try {
    agent = spec->make(obs, act, cfg, /*restoring=*/true);
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("checkpoint '" + path + "': its config does not fit a " + kind + " agent: " + e.what());
  } catch (const ValueError& e) {
    throw CheckpointError("checkpoint '" + path + "' does not fit this environment: " + e.what());
  }
  agent->load_state(st, path);
  return agent;
}

}  // namespace seqrl::agents
