// LeakGAN's generator (Guo et al., AAAI 2018, "Long Text Generation via Adversarial Training with
// Leaked Information"): the discriminator leaks its feature vector f_t of every prefix to a
// MANAGER LSTM, which emits a goal g_t (a unit vector in feature space); a WORKER LSTM over the
// tokens turns the goals into the next token's distribution.
//
//   f_t      = D's highway output (before dropout and the classifier, evaluation mode) for the
//              prefix of length t, its unfilled positions embedded as zero vectors (or as D's
//              leak_pad: LeakGAN's code pads with a fixed random embedding row)
//   g_t      = l2_normalize(W_g h^M_t + b_g),   h^M = LSTM_M(f_0, ..., f_{T-1})
//   G_t      = sum of the c goals before t: g_{t-1} + ... + g_{t-c}  ("sliding", the paper's), or
//              the c goals of the previous block held for the c tokens of a block ("block", the
//              reference code's), with g_j = g_init (a fixed unit vector) for j < 0
//   w_t      = G_t W_psi (no bias; l2-normalised with normalize_w, as the reference code does)
//   O_t      = the worker's output reshaped to [V, k];  logits_t = O_t w_t
// O_t w_t is computed without the [V, k] matrix: with u_t = [h^W_t (x) w_t, w_t] (the outer
// product flattened, then w_t), logits_t = u_t W_out with W_out [(H+1) k, V]: the same numbers as
// LeakGAN's (W h + b) reshaped times w, and a [B T, V k] tensor never exists (it would be 400 MB
// for a batch of 64 at SeqGAN's sizes).
//
// The leak costs one conv pass, not T: a window's convolution is a sum over its offsets of
// emb[token] . W_j, so LeakStream feeds the tokens one at a time and keeps, per filter, the running
// maximum over complete windows and the partial sums of the windows the newest tokens started.
// A prefix's pooled features are the max of those, of the partial windows, and (while windows
// entirely over padding remain) of the bias. With a pad embedding p (D's leak_pad), a window's
// unfilled offsets j add p . W_j: the partial windows add the sum over their unfilled offsets,
// and the windows entirely over padding are the bias plus the sum over all of them. The highway
// runs once per prefix (one GEMM over all).
#pragma once

#include <string>
#include <vector>

#include "seqrl/nets/layers.hpp"
#include "seqrl/nets/models/discriminator.hpp"

namespace seqrl::nets {

// The leaked features of prefixes as tokens arrive, for n rows at once (no graph). D's weights are
// read when it is made: make a new stream after D changes.
class LeakStream {
 public:
  LeakStream(const Discriminator& d, size_t n);
  // Appends one token to every row (tokens[n], ids in [0, vocab)).
  void feed(const int32_t* tokens);
  // The pooled (pre-highway) features of the current prefixes [n, F], written into out.
  void pooled(float* out) const;
  size_t length() const { return t_; }
  size_t rows() const { return n_; }

 private:
  const Discriminator& d_;
  size_t n_, t_ = 0, width_ = 0;
  std::vector<size_t> offset_;          // each filter's first column in a product row
  std::vector<float> wcat_;             // [E, width]: every filter's offsets side by side
  std::vector<std::vector<float>> max_;  // per filter [n, n_k]: max over complete windows
  std::vector<std::vector<float>> part_;  // per filter [K, n, n_k]: partial sums, by window mod K
  // per filter [K + 1, n_k]: row m is the sum over offsets j >= m of leak_pad . W_j (empty: zero)
  std::vector<std::vector<float>> pad_suffix_;
};

// D's highway on pooled features x [m, F] -> [m, F] (evaluation mode, no graph).
void highway_rows(const Discriminator& d, const float* x, size_t m, float* y);

// f_t for every prefix t = 0..T of seqs [B, T]: [B, T + 1, F].
Tensor leaked_features(const Discriminator& d, const IntTensor& seqs);

struct LeakGANGeneratorConfig {
  size_t vocab = 5000, seq_len = 20;
  size_t emb = 32, hidden = 32;      // worker embedding and LSTM; the manager's LSTM width too
  size_t goal_size = 16;             // k: the width of w_t and of the worker's output per token
  size_t step_size = 4;              // c: goals summed (sliding) or held (block)
  std::string goal_window = "sliding";  // "sliding" (paper) or "block" (reference code)
  bool normalize_w = false;          // l2-normalise w_t (reference code)
  // The scoring path (goal_sums: the losses, pre-training, log_probs) sums the goals of prefixes one
  // token longer than the sampling path does, wherever its sum has a goal before it: for block j
  // of `block`, g of prefixes (j-1)c+1..jc where sampling sums (j-1)c..jc-1 (the first block reads
  // g_init in both); for `sliding`, g of prefixes t-c+1..t from the second token on. LeakGAN's code scores so (its teacher-forced graph runs one step more than its
  // sampling graph), so its MLE trains another distribution than the one its samples come from,
  // and its g-steps learn from tokens drawn off that distribution. false: one distribution
  bool score_goal_shift = false;
  float init_std = 0.1f;             // N(0, init_std) for every parameter (LeakGAN's code: 0.1); 0 = layer defaults
  // The goals before the first: 0 = goal_init, one fixed unit vector; n > 0 = n learned rows
  // (goal_init_slots, a manager parameter drawn from a normal of std 0.1 truncated at 2 std), row
  // r of a call reading row r mod n, as LeakGAN's code learns one goal_init per batch slot. Only a
  // manager loss that reads them trains them (the block form's first block)
  size_t goal_init_slots = 0;
  int32_t start_token = 0;
};

class LeakGANGenerator : public Module {
 public:
  // features: the width F of the discriminator it will read.
  LeakGANGenerator(const LeakGANGeneratorConfig& cfg, size_t features, Rng& rng);

  // Goals g_t [B, T, F] from the leaked features f [B, T + 1, F] (f_0..f_{T-1} in): differentiable
  // in the manager's parameters.
  Var goals(const Tensor& f) const;
  // G_t [B, T, F] (constants) from goals [B, T, F], as goal_window says.
  Tensor goal_sums(const Tensor& g) const;
  // The same sum for positions t, differentiable in the goals: [B, t.size(), F] (for the goals
  // before the first, goal_init, a constant, or the rows' goal_init_slots, differentiable).
  Var goal_sums_at(const Var& g, const std::vector<size_t>& t) const;
  // The worker's features u [B T, (H + 1) k] of seqs under goal sums G (constants): differentiable
  // in the worker's parameters.
  Var worker_features(const IntTensor& seqs, const Tensor& G) const;
  // sum_{b,t} weight[b,t] * -log p(y_t | ...) from u, for weights of any sign (zero: no gradient);
  // differentiable. weight empty: the mean per-token NLL.
  Var token_nll(const Var& u, const IntTensor& seqs, const Tensor& weight = Tensor()) const;

  // Sampling with the leak (no graph): n sequences [n, T], inverse-CDF draws from rng (one uniform
  // per token, drawn up front per row as LSTMGenerator::sample does), at a temperature.
  IntTensor sample(const Discriminator& d, size_t n, Rng& rng, float temperature = 1.f) const;
  // Completes prefixes (the first `given` tokens of each row kept), as sample for the rest.
  IntTensor complete(const Discriminator& d, const IntTensor& prefix, size_t given, Rng& rng,
                     float temperature = 1.f) const;
  // Rows [begin, end) of sample(d, n, ...) and complete(d, prefix, ...), as [end - begin, T],
  // computing only those; rng moves on as for the whole call (LSTMGenerator::sample_rows).
  IntTensor sample_rows(const Discriminator& d, size_t n, Rng& rng, size_t begin, size_t end,
                        float temperature = 1.f) const;
  IntTensor complete_rows(const Discriminator& d, const IntTensor& prefix, size_t given, Rng& rng, size_t begin,
                          size_t end, float temperature = 1.f) const;
  // Logits [n, V] of the next token after each row's first `given` tokens.
  Tensor next_logits(const Discriminator& d, const IntTensor& prefix, size_t given) const;
  // Per-token log-probabilities [B, T] of seqs at a temperature (teacher forcing, no graph).
  Tensor log_probs(const Discriminator& d, const IntTensor& seqs, float temperature = 1.f) const;

  // The manager's and the worker's parameters (they have their own optimizers).
  std::vector<std::pair<std::string, Var>> manager_parameters() const;
  std::vector<std::pair<std::string, Var>> worker_parameters() const;

  LeakGANGeneratorConfig cfg;
  size_t features;
  LSTM manager;
  Linear goal_out;
  Embedding embedding;
  LSTM worker;
  Linear w_psi;  // [F, k], no bias
  Linear out;    // [(H + 1) k, V], no bias
  Tensor goal_init;  // [F], a fixed unit vector (not trained)
  Var goal_init_slots;  // [goal_init_slots, F] when the config has them (a manager parameter)
  // The goal before the first for row r of a call: goal_init, or row r mod n of goal_init_slots.
  const float* goal_init_row(size_t r) const;

 private:
  // Runs rows through the model: positions < given teacher-forced from prefix, the rest sampled
  // (stop_after >= 0: stop once the logits of position stop_after are computed, into logits_out).
  // Only rows [row_begin, row_end) of the n are computed and returned; every row's uniforms are drawn.
  IntTensor run(const Discriminator& d, const IntTensor* prefix, size_t given, size_t n, Rng* rng,
                float temperature, long stop_after, Tensor* logits_out, size_t row_begin, size_t row_end) const;
};

}  // namespace seqrl::nets
