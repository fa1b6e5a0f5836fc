#include "seqrl/agents/agent.hpp"

#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"

namespace seqrl::agents {

void Agent::save(const std::string& path) const {
  nets::SafeTensors st;
  save_state(st);
  nets::save_safetensors(path, st.tensors, st.metadata);
}

void Agent::load(const std::string& path) { load_state(nets::load_safetensors(path), path); }

nets::IntTensor Agent::sample_text(size_t n, nets::Rng& rng, float temperature) const {
  const nets::LSTMGenerator* g = generator();
  if (!g) throw ValueError("agent '" + name() + "' generates no text");
  return g->sample(n, rng, temperature);
}

nets::Tensor Agent::text_log_probs(const nets::IntTensor& seqs, float temperature) const {
  const nets::LSTMGenerator* g = generator();
  if (!g) throw ValueError("agent '" + name() + "' generates no text");
  return g->log_probs(seqs, temperature);
}

}  // namespace seqrl::agents
