// Synthetic oracle: construction (random or SeqGAN's), sampling and NLL-oracle.
#include "seqrl/text/oracle.hpp"

#include "seqrl/nets/error.hpp"
#include "seqrl/nets/init.hpp"
#include "seqrl/text/data.hpp"

namespace seqrl::text {

Oracle Oracle::random(const nets::LSTMGeneratorConfig& cfg, uint64_t seed) {
  nets::Rng rng(seed);
  auto m = std::make_unique<nets::LSTMGenerator>(cfg, rng);
  for (auto& [name, p] : m->named_parameters()) p.value() = nets::init::normal(p.shape(), rng);
  return Oracle(std::move(m));
}

Oracle Oracle::from_npy(const std::string& dir, const nets::LSTMGeneratorConfig& cfg) {
  nets::Rng rng(0);
  auto m = std::make_unique<nets::LSTMGenerator>(cfg, rng);
  try {
    m->load_seqgan_npy(dir);
  } catch (const IOError& e) {
    const std::string hint = data_hint(dir);
    if (hint.empty()) throw;
    throw IOError(e.what() + hint);
  }
  return Oracle(std::move(m));
}

nets::IntTensor Oracle::sample(size_t n, nets::Rng& rng) const { return model_->sample(n, rng); }

double Oracle::nll(const nets::IntTensor& seqs) const {
  nets::Tensor lp = model_->log_probs(seqs);
  double s = 0.0;
  for (float v : lp) s -= v;
  return lp.size() ? s / lp.size() : 0.0;
}

}  // namespace seqrl::text
