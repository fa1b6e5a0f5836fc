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
  // prob_real's score table (see below): built once the same weights have scored this many
  // sequences, if it takes at most score_table_max_bytes (0 = never).
  size_t score_table_after = 2048;
  size_t score_table_max_bytes = size_t(1) << 30;
};

class Discriminator : public Module {
 public:
  Discriminator(const DiscriminatorConfig& cfg, Rng& rng);
  // Class scores [B, 2] (column 1: real). Dropout applies in training mode.
  Var logits(const IntTensor& seqs);
  // Mean cross-entropy against labels (1 real, 0 fake) plus the l2 term.
  Var loss(const IntTensor& seqs, const std::vector<int32_t>& labels);
  // P(real) per sequence, in evaluation mode and without a graph; batched internally.
  //
  // The score table. A convolution over embedded tokens is a sum over the window's offsets j
  // of emb[token] . W_j, and emb[token] . W_j depends on the token alone: with the weights
  // fixed, the products for every token of the vocabulary and every (filter size, offset) can
  // be computed once (a [vocab, sum_k k * filters_k] table, one GEMM: 250 MB and 8 GFLOP at the
  // paper's sizes) and a window's pre-activation is then a sum of k table rows, 64 times less
  // arithmetic than the convolution. Scoring with fixed weights is what the Monte-Carlo
  // rollouts do (19,456 sequences per g-step). So prob_real keeps a copy of the embedding and
  // convolution weights it last saw; once they have scored score_table_after sequences
  // unchanged, it builds the table, and uses it until they change (checked on every call, by
  // comparing with the copy; the table is then dropped). The sums are the same products added
  // in another order: scores differ from the convolution path's in the last bits (tested).
  // count_as > 0: the call counts as that many sequences toward the switch (an MPI rank scoring
  // its share of a batch counts the whole batch, so every rank switches where one process would).
  std::vector<float> prob_real(const IntTensor& seqs, size_t count_as = 0);
  // Whether prob_real is scoring through the table now.
  bool has_score_table() const { return !table_.empty(); }
  size_t features() const { return features_; }

  DiscriminatorConfig cfg;
  Embedding embedding;
  std::vector<std::unique_ptr<Conv1d>> convs;
  std::unique_ptr<Highway> highway;
  std::unique_ptr<Linear> out;
  Rng dropout_rng;
  // The embedding of the positions a prefix has not reached yet, in LeakGAN's leak (LeakStream):
  // emb values, or none for zero vectors. Not a parameter: D's classifier sees whole sequences, so
  // training never changes it. LeakGAN's code pads with token -1, row 0 of its [V + 1, E]
  // embedding table, which is drawn U(-1, 1) with the rest and never trained: a fixed random row.
  std::vector<float> leak_pad;
  // Data-parallel training (nets/dist.hpp): when total > 0, the sequences given to logits() and
  // loss() are rows [begin, end) of a global batch of `total` rows, and dropout draws the whole
  // global batch's mask from dropout_rng and applies its rows: every rank's masks, and the RNG's
  // state afterwards, are those of one process training on the global batch.
  struct RowShard {
    size_t begin = 0, end = 0, total = 0;
  } shard;

 private:
  // highway -> dropout -> output layer, on the pooled features [B, features]
  Var head(const Var& pooled);
  // the pooled features [B, features] of seqs through the score table
  Tensor table_features(const IntTensor& seqs) const;
  bool same_weights_as_snapshot() const;
  size_t features_ = 0;
  std::vector<float> snapshot_;  // embedding, then each conv's weight and bias
  size_t seqs_since_change_ = 0;
  std::vector<float> table_;           // [vocab, table_width_]
  std::vector<size_t> table_offset_;   // each filter size's first column in a table row
  size_t table_width_ = 0;
};

// Draws D's parameters again as SeqGAN's and LeakGAN's TensorFlow code draws them: the embedding
// U(-1, 1); each convolution's weights from a normal of std 0.1 truncated at 2 std, its bias 0.1;
// the highway's matrices and biases Glorot-uniform (TensorFlow's default for get_variable: bound
// sqrt(6 / (fan_in + fan_out)), a bias's fans both its length); the output layer's weights as
// the convolutions', its bias 0.1. The constructor's draws are PyTorch's layer defaults and an
// N(0, 1) embedding. The highway's gate bias is drawn as well (the code adds its constant, 0 in
// both, to a drawn bias).
void reference_init(Discriminator& d, Rng& rng);

}  // namespace seqrl::nets
