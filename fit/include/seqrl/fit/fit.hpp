// seqrl fit: trains an AE, a VAE or a GAN on a data set by name, with the conventions of
// seqrl train: a configuration stored in the checkpoint, OUT/checkpoint.safetensors written
// atomically every N updates, at the end and on Ctrl-C, an exact resume, metrics.jsonl, and
// summary.json with the final figures (a GAN: modes covered and high-quality share; a VAE: ELBO,
// reconstruction and KL, per example and, for sentences, per token).
//
// Data: ring8 and grid25 (2-D mixtures; the MLP forms of the models), oracle, coco, grammar or a
// text file (the sentence forms; see text/tasks.hpp). A GAN takes the 2-D mixtures, or a text data
// set through a fitted sentence autoencoder: it then learns the distribution of the sentences'
// codes (a latent GAN, after Zhao et al. 2018's ARAE), its samples decode to sentences, and its
// discriminator over codes scores sentences (a reward model: env/text/model_rewards.hpp). A GAN
// over tokens themselves needs policy gradients: seqrl seqgan.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "seqrl/nets/models/autoencoder.hpp"
#include "seqrl/nets/models/gan.hpp"
#include "seqrl/text/tasks.hpp"

namespace seqrl::fit {

struct FitConfig {
  std::string kind = "vae";    // ae, vae, gan, or lm (an LSTM language model by maximum likelihood)
  std::string data = "ring8";  // ring8, grid25, oracle, coco, grammar, or a text file
  uint64_t seed = 1;
  long steps = 5000;           // updates (a GAN: generator updates)
  size_t batch = 0;            // 0: 256 for vectors, 64 for sentences
  float lr = 1e-3f;            // Adam (a GAN: both players)
  float clip = 5.f;            // autoencoders: global gradient-norm clip (0: none)
  long eval_every = 500;       // updates between evaluations (0: only the final one)
  size_t eval_samples = 2500;  // a GAN: samples scored; sentences: held-out rows scored (0: all)
  std::string out;             // folder: checkpoint.safetensors, metrics.jsonl, summary.json
  long checkpoint_every = 0;   // updates between checkpoints (0: at the end and on Ctrl-C only)
  // autoencoders
  size_t latent = 0;           // 0: 2 for vectors, 32 for sentences
  size_t hidden = 0;           // 0: 64 for vectors (two layers), 256 for sentences (the LSTMs)
  size_t emb = 128;            // sentences: embedding width
  float init_std = 0.f;        // lm: every parameter N(0, init_std), SeqGAN's init (0.1); 0 = the layers' defaults
  bool shuffle = true;         // lm: a fresh order of the data every epoch (false: one fixed order, SeqGAN's loader)
  long kl_anneal_steps = 0;    // VAE: linear KL warm-up over this many updates
  float word_dropout = 0.f;    // sentence VAE/AE: decoder word dropout
  // GAN
  std::string g_loss = "nonsaturating";  // or saturating
  size_t d_steps = 1, noise_dim = 2, g_layers = 3, d_layers = 3, gan_hidden = 128;
  size_t pretrain_d = 0;
  float d_dropout = 0.f, d_l2 = 0.f, grad_penalty = 0.f, beta1 = 0.5f;
  std::string encoder;  // a GAN on a text data set: the sentence AE/VAE whose codes it learns
  // text data
  std::string oracle_dir = text::data_path("seqgan_oracle");  // under $SEQRL_DATA_DIR, else ../shared/data
  std::string corpus = text::data_path("coco/image_coco.txt");
  std::string test = text::data_path("coco/test_coco.txt");
  size_t samples = 10000, max_len = 16;
  size_t oracle_vocab = 5000, oracle_seq_len = 20;  // oracle "random": its size and seed (-1: seed)
  long oracle_seed = -1;
  std::string vocab_file;  // a text file: use this vocabulary (another model's ids)
  // not stored
  std::string resume;               // continue the run saved in this checkpoint
  bool overwrite = false;           // start over in an `out` folder that already holds a run
  bool handle_sigint = true;        // Ctrl-C checkpoints and stops
  std::function<void(long update)> on_step;  // after every update (tests: request_stop())
};
// The tuned defaults for a kind on a data set, as seqrl train has per env (the command line then
// overrides them): a sentence VAE gets KL warm-up and word dropout so that its code is not ignored
// (Bowman et al. 2016; without them a COCO VAE's KL ends near 0.02 nats), an lm SeqGAN's
// generator sizes and rate.
FitConfig fit_defaults(const std::string& kind, const std::string& data);
void to_json(nlohmann::json& j, const FitConfig& c);
void from_json(const nlohmann::json& j, FitConfig& c);
// Checks names and ranges; ConfigError naming the field.
void validate(const FitConfig& c);
bool is_mixture(const std::string& data);

struct FitResult {
  std::string kind;  // what was fitted (a resumed run's from its checkpoint)
  long steps = 0;
  double seconds = 0;
  bool interrupted = false;
  std::string checkpoint;  // the last checkpoint written (empty when none)
  nlohmann::json final_eval;  // the final evaluation (empty when interrupted)
};

// Trains as configured (or continues cfg.resume with the configuration stored there; every other
// field of cfg is then ignored but on_step and handle_sigint). Progress lines to log when given.
FitResult fit(const FitConfig& cfg, std::ostream* log = nullptr);

// The configuration stored in a checkpoint written by fit(); CheckpointError naming the file.
FitConfig fit_config_of(const std::string& checkpoint);

// A fitted autoencoder back from its checkpoint, in evaluation mode, with what it was trained on.
struct FittedSentenceAutoencoder {
  FitConfig cfg;
  std::shared_ptr<nets::SentenceAutoencoder> model;
  std::shared_ptr<const text::Vocabulary> vocab;  // null for the oracle's bare ids
  std::string vocab_file;                         // where vocab was read (vocab.txt beside it)
};
// (nets::load_autoencoder loads either form from the checkpoint alone.)
FittedSentenceAutoencoder load_sentence_autoencoder(const std::string& checkpoint);

}  // namespace seqrl::fit
