// Autoencoders: x -> z (the bottleneck) -> x̂, deterministic (AE) or variational (VAE: Kingma &
// Welling 2014, "Auto-Encoding Variational Bayes"), in an MLP form for vectors and a sentence form
// (Bowman et al. 2016, "Generating Sentences from a Continuous Space": LSTM encoder -> mu, log σ²
// -> z -> LSTM decoder, with KL annealing and word dropout against posterior collapse). The
// decoder starts from h = tanh(z W + b) and also reads z beside every input word.
//
// A VAE's loss is the negative ELBO, -E_q[log p(x|z)] + beta * KL(q(z|x) || N(0, I)), with one
// sample z = mu + σ ⊙ ε, ε ~ N(0, I) (the reparametrization trick, so the gradient reaches mu and
// log σ²). Reconstruction and KL are reported separately, per example (a sentence, a vector).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "seqrl/nets/layers.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::nets {

struct SafeTensors;  // checkpoint.hpp

// eps ~ N(0, 1) of `shape`, drawn from rng in row-major order.
Tensor standard_normal(const Shape& shape, Rng& rng);
// z = mu + exp(logvar / 2) * eps (differentiable in mu and logvar).
Var reparametrize(const Var& mu, const Var& logvar, const Tensor& eps);

// One loss evaluation, every figure per example (mean over the batch).
struct VaeTerms {
  Var loss;           // recon + beta * kl: what is minimised
  double recon = 0;   // -log p(x|z) (sentences: summed over tokens; vectors: 0.5 |x - x̂|²)
  double kl = 0;      // KL(q(z|x) || N(0, I)), 0 for an AE
  double beta = 1;    // the KL weight used
  double tokens = 0;  // sentences: mean scored tokens per sentence (for per-token figures)
  double value = 0;   // loss's value (AutoencoderTrainer::step_rows: the global batch's)
};

// ---- vectors ------------------------------------------------------------------------------------
struct MlpAutoencoderConfig {
  size_t in = 2;                       // input width
  std::vector<size_t> hidden = {64, 64};  // encoder widths (the decoder mirrors them)
  size_t latent = 2;                   // bottleneck width
  bool variational = false;            // VAE (mu, log σ², sampling) or plain AE
};

class MlpAutoencoder : public Module {
 public:
  MlpAutoencoder(const MlpAutoencoderConfig& cfg, Rng& rng);
  struct Posterior {
    Var mu, logvar;  // [B, Z]; logvar undefined for an AE
  };
  Posterior encode(const Var& x) const;
  Var decode(const Var& z) const;
  // The loss on x [B, in]: a VAE samples z with rng (eps drawn in row-major order); an AE ignores
  // rng and beta. Reconstruction is the Gaussian decoder's 0.5 |x - x̂|² (unit variance).
  VaeTerms loss(const Tensor& x, double beta, Rng& rng) const;
  // The loss of rows [begin, end) of x (a shard in data-parallel training): the whole batch's eps
  // drawn from rng, as loss(x) draws it, and this shard's rows of it; the figures are means over
  // the shard's rows. [0, rows) is loss(x).
  VaeTerms loss_rows(const Tensor& x, double beta, Rng& rng, size_t begin, size_t end) const;
  // The encoder's mean features without a graph: x [N, in] -> [N, Z].
  Tensor features(const Tensor& x) const;
  MlpAutoencoderConfig cfg;
  MLP encoder;
  Linear to_mu;
  std::unique_ptr<Linear> to_logvar;
  MLP decoder;
};

// ---- sentences ----------------------------------------------------------------------------------
struct SentenceAutoencoderConfig {
  size_t vocab = 0;      // token ids [0, vocab); id `vocab` is the model's start / dropped word
  size_t emb = 64;       // embedding width
  size_t hidden = 128;   // LSTM width (encoder and decoder)
  size_t latent = 16;    // bottleneck width
  bool variational = true;
  int32_t eos = -1;      // end token: positions after the first one are not scored (-1: none)
  float word_dropout = 0.f;  // decoder inputs replaced by the dropped-word id with this probability
};

// 1 up to and including each row's first eos, 0 after ([B, T] ids; eos < 0: all 1): the tokens a
// sentence model scores.
Tensor mask_through_eos(const IntTensor& seqs, int32_t eos);

class SentenceAutoencoder : public Module {
 public:
  SentenceAutoencoder(const SentenceAutoencoderConfig& cfg, Rng& rng);
  // Each row's scored positions [B, T]: 1 up to and including the first eos, 0 after.
  Tensor mask(const IntTensor& seqs) const;
  // The posterior of each row's first lengths[b] tokens (the encoder's state after them; a row of
  // length 0 is encoded from the zero state). seqs [B, T], lengths[b] <= T.
  MlpAutoencoder::Posterior encode(const IntTensor& seqs, const std::vector<size_t>& lengths) const;
  // Whole sentences: lengths from mask().
  MlpAutoencoder::Posterior encode(const IntTensor& seqs) const;
  // The decoder's states [B, T, H] for teacher-forced seqs given z (inputs: start, then the tokens,
  // with word dropout when dropout_rng is given).
  Var decoder_states(const Var& z, const IntTensor& seqs, Rng* dropout_rng) const;
  // The same with the word-dropout decisions given (drop[b * T + t] != 0: row b's input at t is
  // the dropped-word id; null: none dropped).
  Var decoder_states_given(const Var& z, const IntTensor& seqs, const uint8_t* drop) const;
  // The word-dropout decisions of a [B, T] batch as decoder_states draws them (row-major, one
  // uniform per position t >= 1; none when word_dropout is 0).
  std::vector<uint8_t> draw_word_dropout(size_t B, size_t T, Rng& rng) const;
  // -log p(seqs | z) summed over scored tokens, mean over rows; word dropout (when > 0 and
  // dropout_rng given) replaces decoder inputs.
  Var reconstruction(const Var& z, const IntTensor& seqs, const Tensor& mask, Rng* dropout_rng) const;
  Var reconstruction_given(const Var& z, const IntTensor& seqs, const Tensor& mask, const uint8_t* drop) const;
  // Each row's ELBO, log p(x | z) - KL(q(z|x) || N(0, I)) with z at the posterior mean (so it is
  // deterministic), summed over the row's scored tokens, and that token count. No graph. For an
  // AE (no KL) it is the reconstruction log-likelihood.
  struct RowElbo {
    std::vector<double> elbo, tokens;
  };
  RowElbo elbo(const IntTensor& seqs) const;
  // The loss of a batch (z sampled with rng for a VAE, word dropout in training mode).
  VaeTerms loss(const IntTensor& seqs, double beta, Rng& rng) const;
  // The loss of rows [begin, end) of seqs (a shard in data-parallel training): the whole batch's
  // eps and word-dropout draws taken from rng in loss()'s order, and this shard's rows of them;
  // the figures are means over the shard's rows. [0, rows) is loss(seqs).
  VaeTerms loss_rows(const IntTensor& seqs, double beta, Rng& rng, size_t begin, size_t end) const;
  // Decodes T tokens from each z [N, Z]: greedy (rng null) or sampled. No graph.
  IntTensor decode(const Tensor& z, size_t T, Rng* rng = nullptr) const;
  // Sentences along the straight line between the posterior means of two sentences (rows 0 and
  // 1 of two [2, T]): `points` >= 2 codes from a's (first) to b's (last), each decoded greedily
  // to T tokens. No graph: [points, T].
  IntTensor interpolate(const IntTensor& two, size_t points, size_t T) const;
  // Mean features (mu) of each row's first lengths[b] tokens, no graph: [B, Z].
  Tensor features(const IntTensor& seqs, const std::vector<size_t>& lengths) const;
  SentenceAutoencoderConfig cfg;
  Embedding embedding;
  LSTM encoder;
  Linear to_mu;
  std::unique_ptr<Linear> to_logvar;
  Linear to_state;  // z -> the decoder's initial h (tanh)
  LSTM decoder;
  Linear out;
};

// The architecture as checkpoint metadata (key "autoencoder"), so that a model loads from its file
// alone: JSON {"form": "mlp" | "sentence", and the config's fields}.
std::string describe(const MlpAutoencoderConfig& c);
std::string describe(const SentenceAutoencoderConfig& c);
// A checkpoint with "autoencoder" metadata and the parameters under "model.": one of the two set,
// in evaluation mode. CheckpointError naming the file and what is wrong.
struct LoadedAutoencoder {
  std::shared_ptr<MlpAutoencoder> mlp;
  std::shared_ptr<SentenceAutoencoder> sentence;
};
LoadedAutoencoder load_autoencoder(const std::string& path);
// The same from a checkpoint already read (path names it in errors).
LoadedAutoencoder load_autoencoder(const SafeTensors& st, const std::string& path);

// The KL weight at a training step: linear from 0 to 1 over `anneal_steps` (0: always 1).
double kl_weight(long step, long anneal_steps);

// Adam on either form's loss, with gradient clipping and the KL schedule.
struct AutoencoderTrainConfig {
  float lr = 1e-3f;
  float clip = 5.f;            // global gradient-norm clip (0: none)
  long kl_anneal_steps = 0;    // linear KL warm-up (Bowman et al.)
  uint64_t seed = 0;           // the sampling (eps) and word-dropout stream
};

class AutoencoderTrainer {
 public:
  AutoencoderTrainer(Module& model, const AutoencoderTrainConfig& cfg);
  // One update: loss(beta, rng) builds the batch's terms with the scheduled KL weight; returns
  // them (their figures are from before the update). One process.
  template <class LossFn>
  VaeTerms step(LossFn&& loss) {
    VaeTerms t = loss(kl_weight(opt.steps(), cfg.kl_anneal_steps), rng);
    update(t.loss);
    return t;
  }
  // One data-parallel update on a global batch of `rows` rows (nets/optim.hpp's
  // data_parallel_backward): loss(beta, rng, begin, end) builds the terms of this rank's rows
  // (loss_rows of the models, which draw the whole batch's noise from rng, so every rank's rng
  // stays that of one process); the gradients are summed over the ranks before clipping and the
  // step. Returns the global batch's figures, with `value` the loss's value. In a group of one it
  // is step() with loss(beta, rng, 0, rows).
  VaeTerms step_rows(size_t rows, const std::function<VaeTerms(double, Rng&, size_t, size_t)>& loss);
  AutoencoderTrainConfig cfg;
  Module& model;
  Adam opt;
  Rng rng;

 private:
  void update(Var& loss);
};

}  // namespace seqrl::nets
