// MLE: teacher-forced maximum likelihood training of an LSTM generator, the baseline of every
// text task and SeqGAN's pre-training step (Adam 0.01 and gradient clipping 5.0 by default, as in
// SeqGAN's generator).
#pragma once

#include <cstdint>
#include <memory>

#include "seqrl/nets/models/lstm_generator.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::agents {

struct MLEConfig {
  float lr = 0.01f;    // Adam learning rate (SeqGAN: 0.01)
  float clip = 5.0f;   // global gradient-norm clip (SeqGAN: 5.0)
  size_t batch = 64;   // sequences per update (SeqGAN: 64)
  uint64_t seed = 0;   // shuffling seed
};

class MLETrainer {
 public:
  MLETrainer(nets::LSTMGenerator& gen, const MLEConfig& cfg);
  // One update on a batch [B, T]; returns its mean per-token NLL before the update.
  double step(const nets::IntTensor& batch);
  // One pass over data [N, T] in a freshly shuffled order; only whole batches are used (as
  // SeqGAN's data loader). Returns the mean training NLL of the pass.
  double epoch(const nets::IntTensor& data);
  nets::Adam& optimizer() { return *opt_; }
  long updates() const { return opt_->steps(); }

 private:
  nets::LSTMGenerator& gen_;
  MLEConfig cfg_;
  std::unique_ptr<nets::Adam> opt_;
  nets::Rng rng_;
};

}  // namespace seqrl::agents
