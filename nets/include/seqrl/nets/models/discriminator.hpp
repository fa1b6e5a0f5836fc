// SeqGAN's CNN discriminator (Yu et al. 2017, after Zhang & LeCun 2015 and Kim 2014): token
// embedding -> one 'valid' convolution over time per filter size (ReLU, max over time) ->
// concatenation -> highway -> dropout -> a linear layer to two classes (fake, real). Its training
// loss is the mean cross-entropy plus l2 * (|W|^2 + |b|^2) / 2 on the output layer (TensorFlow's
// l2_loss, as SeqGAN's code); its reward for a sequence is P(real).
#pragma once

#include <memory>
#include <vector>

#include "seqrl/nets/layers.hpp"

namespace seqrl::nets {

struct DiscriminatorConfig {
  size_t vocab = 5000;
  size_t emb = 64;
  size_t seq_len = 20;
  // SeqGAN's: sizes 1..10, 15, 20 with 100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160
  std::vector<size_t> filter_sizes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20};
  std::vector<size_t> num_filters = {100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160};
  float dropout_keep = 0.75f;  // keep probability in training
  float l2 = 0.2f;             // weight of the output layer's l2 loss
};

class Discriminator : public Module {
 public:
  Discriminator(const DiscriminatorConfig& cfg, Rng& rng);
  // Class scores [B, 2] (column 1: real). Dropout applies in training mode.
  Var logits(const IntTensor& seqs);
  // Mean cross-entropy against labels (1 real, 0 fake) plus the l2 term.
  Var loss(const IntTensor& seqs, const std::vector<int32_t>& labels);
  // P(real) per sequence, in evaluation mode and without a graph; batched internally.
  std::vector<float> prob_real(const IntTensor& seqs);
  size_t features() const { return features_; }

  DiscriminatorConfig cfg;
  Embedding embedding;
  std::vector<std::unique_ptr<Conv1d>> convs;
  std::unique_ptr<Highway> highway;
  std::unique_ptr<Linear> out;
  Rng dropout_rng;

 private:
  size_t features_ = 0;
};

}  // namespace seqrl::nets
