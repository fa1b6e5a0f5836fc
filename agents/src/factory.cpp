#include "seqrl/agents/factory.hpp"

#include "seqrl/agents/dqn.hpp"
#include "seqrl/agents/random_agent.hpp"
#include "seqrl/agents/reinforce.hpp"
#include "seqrl/agents/seqgan_agent.hpp"
#include "seqrl/agents/sequence_dqn.hpp"
#include "seqrl/agents/sequence_pg.hpp"
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
  std::unique_ptr<Agent> agent;
  try {
    if (kind == "dqn") {
      agent = DQN::for_spaces(obs, act, cfg.get<DQNConfig>());
    } else if (kind == "reinforce") {
      agent = Reinforce::for_spaces(obs, act, cfg.get<ReinforceConfig>());
    } else if (kind == "dqn-lstm") {
      agent = SequenceDQN::for_spaces(obs, act, cfg.get<DQNConfig>());
    } else if (kind == "reinforce-lstm") {
      SequencePGConfig c = cfg.get<SequencePGConfig>();
      c.init_checkpoint.clear();  // the checkpoint itself holds the weights
      agent = SequencePG::for_spaces(obs, act, c);
    } else if (kind == "seqgan") {
      SeqGANAgentConfig c = cfg.get<SeqGANAgentConfig>();
      c.init_generator.clear();  // the checkpoint itself holds the weights
      agent = SeqGANAgent::for_spaces(obs, act, c);
    } else if (kind == "random") {
      agent = std::make_unique<RandomAgent>(act, 0);
    } else {
      throw CheckpointError("checkpoint '" + path + "' holds an unknown agent '" + kind +
                            "' (known: dqn, dqn-lstm, reinforce, reinforce-lstm, seqgan, random)");
    }
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("checkpoint '" + path + "': its config does not fit a " + kind + " agent: " + e.what());
  } catch (const ValueError& e) {
    throw CheckpointError("checkpoint '" + path + "' does not fit this environment: " + e.what());
  }
  agent->load_state(st, path);
  return agent;
}

}  // namespace seqrl::agents
