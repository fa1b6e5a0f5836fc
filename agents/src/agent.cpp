#include "seqrl/agents/agent.hpp"

#include "seqrl/nets/checkpoint.hpp"

namespace seqrl::agents {

void Agent::save(const std::string& path) const {
  nets::SafeTensors st;
  save_state(st);
  nets::save_safetensors(path, st.tensors, st.metadata);
}

void Agent::load(const std::string& path) { load_state(nets::load_safetensors(path), path); }

}  // namespace seqrl::agents
