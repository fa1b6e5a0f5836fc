// The LSTM language model used as SeqGAN's generator and oracle (Yu et al. 2017, "SeqGAN:
// Sequence Generative Adversarial Nets with Policy Gradient"; target_lstm.py in its code):
// embedding -> LSTM -> linear -> softmax over the vocabulary. The first input is start_token's
// embedding, which is not part of the emitted sequence.
#pragma once

#include <string>

#include "seqrl/nets/layers.hpp"

namespace seqrl::nets {

struct LSTMGeneratorConfig {
  size_t vocab = 5000;       // number of tokens
  size_t emb = 32;           // embedding width
  size_t hidden = 32;        // LSTM width
  size_t seq_len = 20;       // length of sampled sequences
  int32_t start_token = 0;   // the first input (not emitted)
  float init_std = 0.f;      // > 0: every parameter N(0, init_std), SeqGAN's init (0.1);
                             // 0: the layers' own initialisations
};

class LSTMGenerator : public Module {
 public:
  LSTMGenerator(const LSTMGeneratorConfig& cfg, Rng& rng);

  // Mean per-token NLL of seqs [B, T] under teacher forcing (inputs: start, y_1..y_{T-1});
  // mask [B, T] (optional) weights positions (0 = padding). Differentiable; the output layer's
  // softmax and loss are fused (linear_cross_entropy).
  Var nll(const IntTensor& seqs, const Tensor& mask = Tensor()) const;
  // sum_{b,t} w[b,t] * -log p(y_t | y_<t) for weights of any sign (policy gradients: advantages
  // or SeqGAN's Q); differentiable.
  Var weighted_nll_sum(const IntTensor& seqs, const Tensor& w) const;
  // Logits of the next token after each row's first `given` tokens [n, V] (no graph): the policy's
  // distribution over actions for a prefix.
  Tensor next_logits(const IntTensor& prefix, size_t given) const;
  // Per-token log-probabilities log p(y_t | y_<t) [B, T], no graph kept; with a temperature, of
  // the distribution softmax(logits / temperature) that sample(n, rng, temperature) draws from.
  Tensor log_probs(const IntTensor& seqs, float temperature = 1.f) const;
  // n sequences of cfg.seq_len tokens [n, T]. Uniforms are drawn up front as U[n, T] in row-major
  // order with rng.uniform_double() (numpy's random_sample stream); token (i, t) is the smallest
  // index whose cumulative softmax mass exceeds U[i, t] (SeqGAN's reference sampling rule).
  IntTensor sample(size_t n, Rng& rng, float temperature = 1.f) const;
  // Completes prefixes: row i of the result keeps prefix(i, 0..given-1) and samples positions
  // given..T-1 from the model, conditioned on the prefix (teacher-forced; no output layer is
  // computed for the given positions). Uniforms U[n, T - given] are drawn up front as in sample().
  // SeqGAN's Monte-Carlo rollouts complete each prefix of a batch this way.
  IntTensor complete(const IntTensor& prefix, size_t given, Rng& rng, float temperature = 1.f) const;
  // Rows [begin, end) of sample(n, ...) and complete(prefix, ...), as [end - begin, T], computing
  // only those: every row's uniforms are still drawn, so rng moves on as for the whole call and
  // the rows are the whole call's (the share of a batch one MPI rank computes; nets::dist).
  IntTensor sample_rows(size_t n, Rng& rng, size_t begin, size_t end, float temperature = 1.f) const;
  IntTensor complete_rows(const IntTensor& prefix, size_t given, Rng& rng, size_t begin, size_t end,
                          float temperature = 1.f) const;

  // Loads SeqGAN's oracle layout from a folder of .npy files (00_g_embeddings.npy ... 14_bo.npy,
  // see shared/data/seqgan_oracle/README.md). Shapes are checked against this model.
  void load_seqgan_npy(const std::string& dir);

  LSTMGeneratorConfig cfg;
  Embedding embedding;
  LSTM lstm;
  Linear out;

 private:
  IntTensor generate(const IntTensor* prefix, size_t given, size_t n, Rng& rng, float temperature,
                     size_t row_begin, size_t row_end) const;
};

// Teacher forcing's inputs for seqs [B, T]: the start token, then seqs[:, 0..T-2] ([B, T]); what
// the generator reads at each position, and any network that reads a sequence as the generator does.
IntTensor shift_right(const IntTensor& seqs, int32_t start);

}  // namespace seqrl::nets
