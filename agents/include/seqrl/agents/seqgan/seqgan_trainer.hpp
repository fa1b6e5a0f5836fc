// SeqGAN (Yu et al. 2017, "SeqGAN: Sequence Generative Adversarial Nets with Policy Gradient"):
// the generator is a policy over next tokens, the discriminator's P(real) is the reward, and the
// action value of a token is estimated by Monte-Carlo rollouts:
//
//   Q(Y_1:t-1, y_t) = mean over N rollouts of D(Y_1:t completed to length T)   for t < T
//                   = D(Y_1:T)                                                for t = T
//   g-step: minimise -sum_{b,t} log G(y_t | Y_1:t-1) * Q(Y_1:t-1, y_t)   (sum, as SeqGAN's code)
//   d-step: fresh negatives from G, then `d_epochs` passes over real + negatives.
//
// The algorithm: pre-train G by MLE, pre-train D (rounds of fresh negatives), then alternate one
// g-step with d_steps d-steps for total_batches batches (SeqGANAgent, seqgan/seqgan.hpp, runs
// this loop under the runner: `seqrl train --agent seqgan`).
//
// The rollout policy. SeqGAN's rollout network is meant to trail the generator with an update
// rate of 0.8 (theta_roll <- 0.8 theta_roll + 0.2 theta_G after each g-step), but in its code the
// rollout's parameters are tf.identity views of the generator's, so the rate has no effect and
// rollouts always use the current generator. Here the rate does what it says: rollout_update_rate
// r keeps a separate copy updated by theta_roll <- r theta_roll + (1 - r) theta_G after each
// g-step (Polyak averaging); r = 0 reproduces SeqGAN's code (rollouts by the current generator).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/models/discriminator.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"
#include "seqrl/nets/optim.hpp"
#include "seqrl/text/oracle.hpp"

namespace seqrl::agents {

struct SeqGANConfig {
  std::string protocol = "fast";   // name of the preset it started from
  size_t emb = 32, hidden = 32;    // generator (SeqGAN: 32, 32)
  float init_std = 0.1f;           // generator init N(0, init_std) (SeqGAN: 0.1); 0 = layer defaults
  float g_lr = 0.01f;              // generator Adam, MLE and adversarial (SeqGAN: 0.01)
  float clip = 5.f;                // generator gradient clip (SeqGAN: 5.0)
  size_t batch = 64;               // sequences per generator and discriminator batch
  size_t pretrain_g_epochs = 120;  // MLE epochs
  nets::DiscriminatorConfig disc;  // vocab and seq_len are set from the data
  float d_lr = 1e-4f;              // discriminator Adam (SeqGAN: 1e-4)
  size_t pretrain_d_rounds = 50;   // rounds of fresh negatives before the adversarial phase
  size_t d_epochs = 3;             // passes over real + negatives per round / d-step
  size_t negatives = 0;            // negatives per round (0 = as many as real sequences)
  size_t total_batches = 200;      // adversarial batches (one g-step each)
  size_t rollouts = 16;            // Monte-Carlo rollouts per prefix
  size_t d_steps = 5;              // d-steps per adversarial batch
  float rollout_update_rate = 0.8f;
  size_t eval_every = 10;          // adversarial batches between NLL-oracle figures, and the last batch (0 = none)
  size_t eval_samples = 9984;      // generator samples scored by the oracle (SeqGAN: 9,984)
  uint64_t seed = 1;
};
void to_json(nlohmann::json& j, const SeqGANConfig& c);
// Reads what to_json wrote (missing keys keep their defaults; disc sizes as listed).
void from_json(const nlohmann::json& j, SeqGANConfig& c);

// `epochs` passes over real [N, T] (label 1) and fake [M, T] (label 0) in shuffled batches of
// `batch` (only whole batches, as SeqGAN's loader): the d-step of SeqGAN and LeakGAN. Returns the
// mean loss; leaves disc in training mode.
double train_discriminator(nets::Discriminator& disc, nets::Optimizer& opt, const nets::IntTensor& real,
                           const nets::IntTensor& fake, size_t epochs, size_t batch, nets::Rng& shuffle_rng);

// d for sequences of T tokens over vocab: SeqGAN's filter list assumes length 20, so filters
// longer than T are dropped (COCO's sequences are longer, the grammar's shorter). LeakGAN's D too.
nets::DiscriminatorConfig discriminator_for(nets::DiscriminatorConfig d, size_t vocab, size_t T);

// "paper": the protocol above as the paper states it. "reference": the same as SeqGAN's code runs
// it (rollout_update_rate 0: rollouts by the current generator), what its published training log
// measured. "fast": the same pipeline, smaller (a smaller discriminator, fewer epochs, rounds and
// batches) to finish in about 20 minutes on 2 cores.
SeqGANConfig seqgan_protocol(const std::string& name);

class SeqGAN {
 public:
  // real: the training sequences [N, T] (token ids < vocab); oracle (optional) scores NLL-oracle.
  SeqGAN(const SeqGANConfig& cfg, nets::IntTensor real, size_t vocab, const text::Oracle* oracle);
  // (phase, step, name, value) for every measured figure.
  using Log = std::function<void(const std::string&, long, const std::string&, double)>;
  void pretrain_generator(const Log& log);
  void pretrain_discriminator(const Log& log);
  // Q values [B, T] of sequences by rollouts of the rollout policy (see above).
  nets::Tensor rewards(const nets::IntTensor& seqs);
  // One policy-gradient step on a fresh batch; returns the batch's mean D(Y_1:T).
  double g_step();
  // The same step on given sequences [B, T]. lengths (optional, one per row): the tokens the
  // policy chose; later positions (padding after an end token) get no gradient.
  double g_step_on(const nets::IntTensor& seqs, const std::vector<size_t>* lengths = nullptr);
  // The fresh negatives of a d-step (as many as cfg.negatives, or as the real sequences when it
  // is 0); under MPI each rank samples its share of the rows, and all have the whole.
  nets::IntTensor negatives();
  // Fresh negatives, then `epochs` passes over real + negatives; returns the mean loss.
  double d_step(size_t epochs);
  // NLL-oracle of eval_samples generator samples (needs the oracle).
  double nll_oracle();
  // NLL of real data under the generator (teacher forcing), without touching its weights.
  double nll_of(const nets::IntTensor& data);
  // Everything that moves during training (the three networks, both optimizers and the four
  // random streams) under `prefix`, and back: a run resumed from it continues exactly.
  void save_state(std::map<std::string, nets::Tensor>& tensors,
                  std::map<std::string, std::string>& metadata, const std::string& prefix) const;
  void load_state(const nets::SafeTensors& st, const std::string& prefix, const std::string& path);

  SeqGANConfig cfg;
  nets::Rng rng;
  nets::LSTMGenerator gen, rollout;
  nets::Discriminator disc;

 private:
  nets::IntTensor real_;
  const text::Oracle* oracle_;
  std::unique_ptr<nets::Adam> g_opt_, d_opt_;
  nets::Rng shuffle_rng_, eval_rng_;  // evaluation draws apart, so evaluating changes nothing
};

}  // namespace seqrl::agents
