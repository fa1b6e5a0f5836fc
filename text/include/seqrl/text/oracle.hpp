// The synthetic oracle task of SeqGAN (Yu et al. 2017, section "Synthetic Data Experiments"): an
// LSTM language model with every parameter drawn from N(0, 1) plays the real data distribution;
// a generator trained on its samples is scored by NLL-oracle, the oracle's mean per-token NLL of
// the generator's samples.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "seqrl/nets/models/lstm_generator.hpp"

namespace seqrl::text {

class Oracle {
 public:
  // A fresh oracle with every parameter N(0, 1) from Rng(seed) (SeqGAN's init_matrix, stddev 1).
  static Oracle random(const nets::LSTMGeneratorConfig& cfg, uint64_t seed);
  // SeqGAN's saved oracle (target_params.pkl exported as .npy files; see
  // shared/data/seqgan_oracle/README.md). Throws IOError/ShapeError naming the file.
  static Oracle from_npy(const std::string& dir,
                         const nets::LSTMGeneratorConfig& cfg = nets::LSTMGeneratorConfig());

  // n sequences from the oracle (see LSTMGenerator::sample for the RNG stream).
  nets::IntTensor sample(size_t n, nets::Rng& rng) const;
  // NLL-oracle: mean over sequences and positions of -log p_oracle(y_t | y_<t) (natural log).
  double nll(const nets::IntTensor& seqs) const;

  const nets::LSTMGenerator& model() const { return *model_; }
  const nets::LSTMGeneratorConfig& config() const { return model_->cfg; }

 private:
  explicit Oracle(std::unique_ptr<nets::LSTMGenerator> m) : model_(std::move(m)) {}
  std::unique_ptr<nets::LSTMGenerator> model_;
};

}  // namespace seqrl::text
