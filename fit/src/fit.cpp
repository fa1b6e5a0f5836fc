// seqrl fit: the training loops of the AE, VAE and GAN modules. See seqrl/fit/fit.hpp.
#include "seqrl/fit/fit.hpp"

#include "seqrl/agents/generator_file.hpp"
#include "seqrl/agents/run_dir.hpp"

#include <climits>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <fstream>
#include <optional>
#include <ostream>

#include "seqrl/agents/runner.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/error.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/nets/optim.hpp"
#include "seqrl/text/grammar.hpp"
#include "seqrl/text/metrics.hpp"

namespace seqrl::fit {

// the run folder, checkpoints and Ctrl-C handling of seqrl train (agents/run_dir.hpp, runner.hpp)
using namespace seqrl::agents;

#define SEQRL_FIT_FIELDS(X)                                                                         \
  X(kind) X(data) X(seed) X(steps) X(batch) X(lr) X(clip) X(eval_every) X(eval_samples) X(out)      \
  X(checkpoint_every) X(latent) X(hidden) X(emb) X(kl_anneal_steps) X(word_dropout) X(g_loss)     \
  X(d_steps) X(noise_dim) X(g_layers) X(d_layers) X(gan_hidden) X(pretrain_d) X(d_dropout) X(d_l2) \
  X(grad_penalty) X(beta1) X(oracle_dir) X(corpus) X(test) X(samples) X(max_len) X(oracle_vocab)    \
  X(oracle_seq_len) X(oracle_seed) X(encoder) X(vocab_file) X(init_std) X(shuffle)

void to_json(nlohmann::json& j, const FitConfig& c) {
  j = nlohmann::json::object();
#define X(f) j[#f] = c.f;
  SEQRL_FIT_FIELDS(X)
#undef X
}

// kind and data must be there; a field added after the checkpoint was written takes its default
void from_json(const nlohmann::json& j, FitConfig& c) {
  j.at("kind").get_to(c.kind);
  j.at("data").get_to(c.data);
#define X(f) \
  if (j.contains(#f)) j.at(#f).get_to(c.f);
  SEQRL_FIT_FIELDS(X)
#undef X
}

bool is_mixture(const std::string& data) { return data == "ring8" || data == "grid25"; }

FitConfig fit_defaults(const std::string& kind, const std::string& data) {
  FitConfig c;
  c.kind = kind;
  c.data = data;
  if (kind == "vae" && !is_mixture(data)) {
    // the settings of the COCO VAE measured on 2026-11-25 (KL 1.59 nats on the test captions;
    // git show 91ea315:docs/results.md); with none of them the KL collapses to about 0.02 nats
    c.emb = 64;
    c.hidden = 128;
    c.latent = 32;
    c.kl_anneal_steps = 3000;
    c.word_dropout = 0.3f;
    c.steps = 4700;
  }
  if (kind == "lm") {
    // SeqGAN's generator: embedding and LSTM 32, Adam 0.01, clip 5, batch 64
    c.emb = 32;
    c.hidden = 32;
    c.lr = 0.01f;
    c.steps = data == "coco" ? 7800 : 6250;  // 50 epochs of COCO's 10,000 captions; 40 of 10,000 sequences
    c.eval_every = 500;
  }
  return c;
}

void validate(const FitConfig& c) {
  auto need = [](bool ok, const std::string& msg) {
    if (!ok) throw ConfigError("seqrl fit: " + msg);
  };
  need(c.kind == "ae" || c.kind == "vae" || c.kind == "gan" || c.kind == "lm",
       "kind must be ae, vae, gan or lm, got '" + c.kind + "'");
  need(c.kind != "lm" || !is_mixture(c.data), "an lm fits a text data set (oracle, coco, grammar or a file), not '" + c.data + "'");
  need(c.kind != "gan" || is_mixture(c.data) || !c.encoder.empty(),
       "a GAN fits ring8, grid25, or the codes of a text data set ('" + c.data +
           "') given --encoder (a sentence AE/VAE checkpoint); a GAN over tokens is seqrl seqgan");
  need(c.steps >= 0, "--steps must be >= 0");
  need(c.eval_every >= 0, "--eval-every must be >= 0");
  need(c.checkpoint_every >= 0, "--checkpoint-every must be >= 0");
  need(c.checkpoint_every == 0 || !c.out.empty(), "--checkpoint-every needs --out");
  need(c.lr > 0.f, "--lr must be positive");
  need(c.word_dropout >= 0.f && c.word_dropout < 1.f, "--word-dropout must be in [0, 1)");
  need(c.init_std >= 0.f, "--init-std must be >= 0");
  need(c.init_std == 0.f || c.kind == "lm", "--init-std is for an lm (the autoencoders and GANs use their layers' defaults)");
  need(c.shuffle || c.kind == "lm", "--shuffle 0 is for an lm");
  need(c.g_loss == "nonsaturating" || c.g_loss == "saturating",
       "--g-loss must be nonsaturating or saturating, got '" + c.g_loss + "'");
  need(c.d_steps >= 1, "--d-steps must be >= 1");
  need(c.d_dropout >= 0.f && c.d_dropout < 1.f, "--d-dropout must be in [0, 1)");
}

namespace {

size_t batch_of(const FitConfig& c) { return c.batch ? c.batch : is_mixture(c.data) ? 256 : 64; }

nets::MlpAutoencoderConfig mlp_config(const FitConfig& c) {
  nets::MlpAutoencoderConfig m;
  m.in = 2;
  const size_t h = c.hidden ? c.hidden : 64;
  m.hidden = {h, h};
  m.latent = c.latent ? c.latent : 2;
  m.variational = c.kind == "vae";
  return m;
}

nets::SentenceAutoencoderConfig sentence_config(const FitConfig& c, size_t vocab, int32_t eos) {
  nets::SentenceAutoencoderConfig s;
  s.vocab = vocab;
  s.emb = c.emb;
  s.hidden = c.hidden ? c.hidden : 256;
  s.latent = c.latent ? c.latent : 32;
  s.variational = c.kind == "vae";
  s.eos = eos;
  s.word_dropout = c.word_dropout;
  return s;
}

nets::AutoencoderTrainConfig train_config(const FitConfig& c) {
  nets::AutoencoderTrainConfig t;
  t.lr = c.lr, t.clip = c.clip, t.kl_anneal_steps = c.kl_anneal_steps, t.seed = c.seed + 2;
  return t;
}

nets::GanConfig gan_config(const FitConfig& c) {
  nets::GanConfig g;
  g.noise_dim = c.noise_dim;
  g.g_hidden = g.d_hidden = c.gan_hidden;
  g.g_layers = c.g_layers;
  g.d_layers = c.d_layers;
  g.g_loss = c.g_loss;
  g.d_steps = c.d_steps;
  g.batch = batch_of(c);
  g.lr_g = g.lr_d = c.lr;
  g.beta1 = c.beta1;
  g.d_dropout = c.d_dropout;
  g.d_l2 = c.d_l2;
  g.grad_penalty = c.grad_penalty;
  g.pretrain_d = c.pretrain_d;
  g.seed = c.seed;
  return g;
}

using Tensors = std::map<std::string, nets::Tensor>;
using Meta = std::map<std::string, std::string>;

// An autoencoder and its trainer (Adam's state and the sampling stream) in a checkpoint.
void save_trainer(const nets::Module& m, const nets::AutoencoderTrainer& tr, Tensors& t, nlohmann::json& s) {
  nets::add_module_state(m, "model.", t);
  Meta meta;
  nets::add_optimizer_state(tr.opt, "optim.", t, meta);
  s["optim"] = meta;
  s["rng"] = tr.rng.state();
}
void load_trainer(nets::Module& m, nets::AutoencoderTrainer& tr, const nets::SafeTensors& st, const nlohmann::json& s,
                  const std::string& path) {
  nets::load_module_state(m, st, "model.", path);
  tr.opt.load_state(nets::optimizer_state_with_prefix(st, "optim."));
  tr.rng.set_state(s.at("rng").get<std::string>());
}

// One model being fitted: an update, an evaluation, and its state for checkpoints.
class Fitter {
 public:
  virtual ~Fitter() = default;
  virtual nlohmann::json step() = 0;
  virtual nlohmann::json evaluate() = 0;
  virtual void save(Tensors& t, nlohmann::json& state) const = 0;
  virtual void load(const nets::SafeTensors& st, const nlohmann::json& state, const std::string& path) = 0;
  virtual void write_outputs(const std::string& dir) const = 0;
  virtual void write_inputs(const std::string& /*dir*/) const {}  // what loading the model needs
  virtual std::string describe() const { return ""; }  // the autoencoder's architecture
  virtual std::string gan_metadata() const { return ""; }  // a latent GAN's D and encoder
  // Whether step() trains data-parallel under MPI (nets/dist.hpp): every rank computes the
  // gradient of its share of the global batch, the gradients are summed over the ranks, and
  // every rank takes the same step.
  virtual bool data_parallel() const { return false; }
};

// ---- vectors: MLP AE/VAE ------------------------------------------------------------------------
class MixtureAutoencoderFitter : public Fitter {
 public:
  explicit MixtureAutoencoderFitter(const FitConfig& c)
      : c_(c), mix_(nets::mixture_by_name(c.data)), init_(c.seed), model_(mlp_config(c), init_),
        trainer_(model_, train_config(c)), data_(c.seed + 1000) {
    nets::Rng r(c.seed + 5);
    eval_x_ = mix_.sample(c.eval_samples ? c.eval_samples : 2500, r);
  }
  nlohmann::json step() override {
    // every rank draws the same global batch; under MPI each computes the gradient of its rows
    const size_t B = batch_of(c_);
    const nets::Tensor x = mix_.sample(B, data_);
    const nets::VaeTerms t = trainer_.step_rows(
        B, [&](double beta, nets::Rng& r, size_t b, size_t e) { return model_.loss_rows(x, beta, r, b, e); });
    return {{"loss", t.value}, {"recon", t.recon}, {"kl", t.kl}, {"beta", t.beta}};
  }
  bool data_parallel() const override { return true; }
  nlohmann::json evaluate() override {
    nets::Rng r(c_.seed + 6);
    nets::NoGrad ng;
    const nets::VaeTerms t = model_.loss(eval_x_, 1.0, r);
    nlohmann::json j = {{"recon", t.recon}, {"kl", t.kl}};
    if (c_.kind == "vae") j["elbo"] = -(t.recon + t.kl);
    return j;
  }
  std::string describe() const override { return nets::describe(model_.cfg); }
  void save(Tensors& t, nlohmann::json& s) const override {
    save_trainer(model_, trainer_, t, s);
    s["data_rng"] = data_.state();
  }
  void load(const nets::SafeTensors& st, const nlohmann::json& s, const std::string& path) override {
    load_trainer(model_, trainer_, st, s, path);
    data_.set_state(s.at("data_rng").get<std::string>());
  }
  void write_outputs(const std::string& dir) const override {
    // reconstructions of the evaluation points, and (VAE) samples from the prior
    nets::NoGrad ng;
    std::string csv = "x,y,rx,ry\n";
    const nets::Tensor rec = model_.decode(model_.encode(nets::Var(eval_x_)).mu).value();
    for (size_t i = 0; i < eval_x_.shape()[0]; ++i)
      csv += std::to_string(eval_x_(i, 0)) + "," + std::to_string(eval_x_(i, 1)) + "," +
             std::to_string(rec(i, 0)) + "," + std::to_string(rec(i, 1)) + "\n";
    nets::write_file_atomic(dir + "/reconstructions.csv", csv);
  }

 private:
  FitConfig c_;
  nets::Mixture mix_;
  nets::Rng init_;
  nets::MlpAutoencoder model_;
  nets::AutoencoderTrainer trainer_;
  nets::Rng data_;
  nets::Tensor eval_x_;
};

// ---- helpers of the sentence models --------------------------------------------------------------
// Rows idx[0..n) of t [N, T] (a range of rows: nets::row_slice).
nets::IntTensor rows_of(const nets::IntTensor& t, const size_t* idx, size_t n) {
  const size_t T = t.shape()[1];
  nets::IntTensor out = nets::IntTensor::from_shape({n, T});
  for (size_t i = 0; i < n; ++i) std::copy(t.data() + idx[i] * T, t.data() + (idx[i] + 1) * T, out.data() + i * T);
  return out;
}

std::string words_of(const nets::IntTensor& ids, size_t row, const text::Vocabulary* vocab) {
  const size_t T = ids.shape()[1];
  std::string s;
  if (vocab) {
    for (const auto& w : vocab->decode(ids.data() + row * T, T)) s += (s.empty() ? "" : " ") + w;
  } else {
    for (size_t t = 0; t < T; ++t) s += (t ? " " : "") + std::to_string(ids(row, t));
  }
  return s;
}

text::TextTaskOptions task_options(const FitConfig& c) {
  text::TextTaskOptions o;
  o.oracle_dir = c.oracle_dir, o.corpus = c.corpus, o.test = c.test, o.samples = c.samples, o.max_len = c.max_len;
  o.oracle_vocab = c.oracle_vocab, o.oracle_seq_len = c.oracle_seq_len, o.oracle_seed = c.oracle_seed;
  o.vocab_file = c.vocab_file;
  return o;
}

// Shuffled epochs of whole batches over the rows of a data set, resumable mid-epoch: a checkpoint
// keeps the data stream's state where the epoch's order was drawn ("data_rng_epoch") and the
// position in it ("cursor"); loading redraws the same order.
class EpochBatches {
 public:
  // shuffle false: every epoch walks the rows in their order (SeqGAN's data loader)
  EpochBatches(size_t rows, uint64_t seed, bool shuffle = true) : rows_(rows), data_(seed), shuffle_(shuffle) {
    new_epoch();
  }
  // The next B rows of data (a fresh order when the epoch has fewer than B left).
  nets::IntTensor next(const nets::IntTensor& data, size_t B) {
    if (cursor_ + B > order_.size()) new_epoch();
    const nets::IntTensor x = rows_of(data, order_.data() + cursor_, B);
    cursor_ += B;
    return x;
  }
  void save(nlohmann::json& s) const {
    s["data_rng_epoch"] = epoch_rng_;
    s["cursor"] = cursor_;
  }
  void load(const nlohmann::json& s) {
    data_.set_state(s.at("data_rng_epoch").get<std::string>());
    new_epoch();
    cursor_ = s.at("cursor").get<size_t>();
  }

 private:
  void new_epoch() {
    epoch_rng_ = data_.state();
    if (shuffle_) {
      order_ = text::shuffled_order(rows_, data_);
    } else {
      order_.resize(rows_);
      for (size_t i = 0; i < rows_; ++i) order_[i] = i;
    }
    cursor_ = 0;
  }
  size_t rows_;
  nets::Rng data_;
  bool shuffle_ = true;
  std::string epoch_rng_;
  std::vector<size_t> order_;
  size_t cursor_ = 0;
};

// ---- GAN: on a 2-D mixture, or on the codes of sentences (a latent GAN) ------------------------
// The codes (posterior means) of every row, in chunks: [N, Z].
nets::Tensor codes_of(const nets::SentenceAutoencoder& m, const nets::IntTensor& seqs) {
  nets::NoGrad ng;
  const size_t N = seqs.shape()[0], Z = m.cfg.latent, chunk = 256;
  nets::Tensor out = nets::Tensor::from_shape({N, Z});
  for (size_t b = 0; b < N; b += chunk) {
    const size_t n = std::min(chunk, N - b);
    const nets::Tensor f = m.encode(nets::row_slice(seqs, b, b + n)).mu.value();
    std::copy(f.begin(), f.end(), out.data() + b * Z);
  }
  return out;
}

class GanFitter : public Fitter {
 public:
  explicit GanFitter(const FitConfig& c) : c_(c), data_(c.seed + 1000) {
    nets::GanConfig g = gan_config(c);
    if (is_mixture(c.data)) {
      mix_ = nets::mixture_by_name(c.data);
    } else {
      enc_ = load_sentence_autoencoder(c.encoder);
      task_ = text::load_text_task(c.data, task_options(c), c.seed);
      if (task_.vocab_size != enc_.model->cfg.vocab)
        throw ValueError("seqrl fit gan: the encoder '" + c.encoder + "' reads a vocabulary of " +
                         std::to_string(enc_.model->cfg.vocab) + " tokens, '" + c.data + "' has " +
                         std::to_string(task_.vocab_size));
      codes_ = codes_of(*enc_.model, task_.real);
      const size_t M = std::min<size_t>(task_.held_out.shape()[0], c.eval_samples ? c.eval_samples : 2500);
      held_codes_ = codes_of(*enc_.model, nets::row_slice(task_.held_out, 0, M));
      g.data_dim = enc_.model->cfg.latent;
    }
    gan_ = std::make_unique<nets::Gan>(g);
  }
  nlohmann::json step() override {
    nets::GanStepStats s;
    if (gan_->opt_g.steps() == 0 && !pretrained_) {  // D pre-training against the initial G
      for (size_t i = 0; i < c_.pretrain_d; ++i) gan_->d_step(real_batch());
      pretrained_ = true;
    }
    for (size_t k = 0; k < c_.d_steps; ++k) s = gan_->d_step(real_batch());
    s.g_loss = gan_->g_step();
    return {{"d_loss", s.d_loss}, {"g_loss", s.g_loss}, {"d_real", s.d_real}, {"d_fake", s.d_fake}, {"penalty", s.penalty}};
  }
  bool data_parallel() const override { return true; }  // Gan's steps (nets/models/gan.hpp)
  nlohmann::json evaluate() override {
    nets::Rng r(c_.seed + 6);
    const nets::Tensor x = gan_->sample(c_.eval_samples ? c_.eval_samples : 2500, r);
    if (mix_) {
      const nets::ModeScore s = nets::score_modes(*mix_, x);
      return {{"modes_covered", s.modes_covered}, {"modes", mix_->centres.size()}, {"high_quality", s.high_quality},
              {"per_mode", s.per_mode}};
    }
    nlohmann::json j = {{"d_real_held_out", mean_prob(held_codes_)}, {"d_fake", mean_prob(x)}};
    if (task_.vocab) {  // 500 decoded samples: their diversity, and (grammar) correctness
      const nets::IntTensor ids = decoded(500);
      std::vector<text::Sentence> sents;
      for (size_t i = 0; i < ids.shape()[0]; ++i) sents.push_back(task_.vocab->decode(ids.data() + i * ids.shape()[1], ids.shape()[1]));
      j["distinct2"] = text::distinct_n(sents, 2);
      if (c_.data == "grammar") j["grammatical"] = text::score_grammar(text::Grammar::captions(), sents, c_.max_len).grammatical;
    }
    return j;
  }
  std::string gan_metadata() const override {
    if (mix_) return "";
    char buf[PATH_MAX];
    const std::string enc = ::realpath(c_.encoder.c_str(), buf) ? std::string(buf) : c_.encoder;
    return nlohmann::json{{"encoder", enc}, {"data_dim", gan_->cfg.data_dim}, {"d_hidden", gan_->cfg.d_hidden},
                          {"d_layers", gan_->cfg.d_layers}}
        .dump();
  }
  void save(Tensors& t, nlohmann::json& s) const override {
    nets::add_module_state(gan_->generator, "g.", t);
    nets::add_module_state(gan_->discriminator, "d.", t);
    Meta m;
    nets::add_optimizer_state(gan_->opt_g, "optim_g.", t, m);
    nets::add_optimizer_state(gan_->opt_d, "optim_d.", t, m);
    s["optim"] = m;
    s["rng"] = gan_->rng.state();
    s["dropout_rng"] = gan_->discriminator.dropout_rng.state();
    s["data_rng"] = data_.state();
    s["pretrained"] = pretrained_;
  }
  void load(const nets::SafeTensors& st, const nlohmann::json& s, const std::string& path) override {
    nets::load_module_state(gan_->generator, st, "g.", path);
    nets::load_module_state(gan_->discriminator, st, "d.", path);
    gan_->opt_g.load_state(nets::optimizer_state_with_prefix(st, "optim_g."));
    gan_->opt_d.load_state(nets::optimizer_state_with_prefix(st, "optim_d."));
    gan_->rng.set_state(s.at("rng").get<std::string>());
    gan_->discriminator.dropout_rng.set_state(s.at("dropout_rng").get<std::string>());
    data_.set_state(s.at("data_rng").get<std::string>());
    pretrained_ = s.at("pretrained").get<bool>();
  }
  void write_outputs(const std::string& dir) const override {
    if (!mix_) {  // sentences decoded from G's codes
      const nets::IntTensor ids = decoded(100);
      std::string txt;
      for (size_t i = 0; i < ids.shape()[0]; ++i) txt += words_of(ids, i, enc_.vocab.get()) + "\n";
      nets::write_file_atomic(dir + "/samples.txt", txt);
      return;
    }
    nets::Rng r(c_.seed + 6);
    const nets::Tensor x = gan_->sample(c_.eval_samples ? c_.eval_samples : 2500, r);
    std::string csv = "x,y\n";
    for (size_t i = 0; i < x.shape()[0]; ++i) csv += std::to_string(x(i, 0)) + "," + std::to_string(x(i, 1)) + "\n";
    nets::write_file_atomic(dir + "/samples.csv", csv);
  }

 private:
  nets::Tensor real_batch() {
    const size_t B = batch_of(c_);
    if (mix_) return mix_->sample(B, data_);
    const size_t N = codes_.shape()[0], Z = codes_.shape()[1];
    nets::Tensor x = nets::Tensor::from_shape({B, Z});
    for (size_t i = 0; i < B; ++i) {
      const size_t row = data_.randint(N);
      std::copy(codes_.data() + row * Z, codes_.data() + (row + 1) * Z, x.data() + i * Z);
    }
    return x;
  }
  double mean_prob(const nets::Tensor& x) const {
    nets::NoGrad ng;
    const bool was = gan_->discriminator.training();
    gan_->discriminator.eval();
    const nets::Tensor l = gan_->discriminator.forward(nets::Var(x)).value();
    gan_->discriminator.train(was);
    double p = 0;
    for (float v : l) p += 1.0 / (1.0 + std::exp(-double(v)));
    return p / double(l.size());
  }
  nets::IntTensor decoded(size_t n) const {
    nets::Rng r(c_.seed + 8);
    return enc_.model->decode(gan_->sample(n, r), task_.real.shape()[1]);
  }
  FitConfig c_;
  std::optional<nets::Mixture> mix_;
  FittedSentenceAutoencoder enc_;
  text::TextTask task_;
  nets::Tensor codes_, held_codes_;
  std::unique_ptr<nets::Gan> gan_;
  nets::Rng data_;
  bool pretrained_ = false;
};

// ---- sentences: AE/VAE --------------------------------------------------------------------------
class SentenceAutoencoderFitter : public Fitter {
 public:
  SentenceAutoencoderFitter(const FitConfig& c, text::TextTask task)
      : c_(c), task_(std::move(task)), init_(c.seed),
        model_(sentence_config(c, task_.vocab_size, task_.eos), init_),
        trainer_(model_, train_config(c)), batches_(task_.real.shape()[0], c.seed + 1001) {
    const size_t B = batch_of(c);
    if (task_.real.shape()[0] < B)
      throw ValueError("seqrl fit: '" + c.data + "' has " + std::to_string(task_.real.shape()[0]) +
                       " training sentences, fewer than one batch of " + std::to_string(B));
    const size_t M = c.eval_samples ? std::min(c.eval_samples, task_.held_out.shape()[0]) : task_.held_out.shape()[0];
    eval_ = nets::row_slice(task_.held_out, 0, M);
  }
  nlohmann::json step() override {
    // every rank draws the same global batch; under MPI each computes the gradient of its rows
    const size_t B = batch_of(c_);
    const nets::IntTensor x = batches_.next(task_.real, B);
    model_.train();
    const nets::VaeTerms t = trainer_.step_rows(
        B, [&](double beta, nets::Rng& r, size_t b, size_t e) { return model_.loss_rows(x, beta, r, b, e); });
    return {{"loss", t.value}, {"recon", t.recon}, {"kl", t.kl}, {"beta", t.beta}, {"tokens", t.tokens}};
  }
  bool data_parallel() const override { return true; }
  nlohmann::json evaluate() override {
    model_.eval();
    nets::NoGrad ng;
    nets::Rng r(c_.seed + 6);
    double recon = 0, kl = 0, tokens = 0;
    const size_t M = eval_.shape()[0], chunk = 250;
    for (size_t b = 0; b < M; b += chunk) {
      const size_t n = std::min(chunk, M - b);
      const nets::VaeTerms t = model_.loss(nets::row_slice(eval_, b, b + n), 1.0, r);
      recon += t.recon * n, kl += t.kl * n, tokens += t.tokens * n;
    }
    recon /= M, kl /= M, tokens /= M;
    // greedy reconstruction from the posterior mean: the share of scored tokens decoded right
    const size_t A = std::min<size_t>(M, 500);
    const nets::IntTensor x = nets::row_slice(eval_, 0, A);
    const nets::IntTensor rec = model_.decode(model_.encode(x).mu.value(), x.shape()[1]);
    const nets::Tensor m = model_.mask(x);
    double right = 0, total = 0;
    for (size_t i = 0; i < m.size(); ++i)
      if (m.data()[i] > 0) total += 1, right += rec.data()[i] == x.data()[i];
    nlohmann::json j = {{"recon", recon}, {"kl", kl}, {"tokens", tokens}, {"recon_token_accuracy", right / total},
                        {"recon_per_token", recon / tokens}};
    if (c_.kind == "vae") {
      j["elbo"] = -(recon + kl);
      j["nll_bound"] = recon + kl;  // per sentence, an upper bound on -log p(x)
      j["nll_bound_per_token"] = (recon + kl) / tokens;
    }
    return j;
  }
  std::string describe() const override { return nets::describe(model_.cfg); }
  void save(Tensors& t, nlohmann::json& s) const override {
    save_trainer(model_, trainer_, t, s);
    batches_.save(s);
  }
  void load(const nets::SafeTensors& st, const nlohmann::json& s, const std::string& path) override {
    load_trainer(model_, trainer_, st, s, path);
    batches_.load(s);
  }
  void write_inputs(const std::string& dir) const override {
    if (task_.vocab) task_.vocab->save(dir + "/vocab.txt");
  }
  void write_outputs(const std::string& dir) const override {
    nets::NoGrad ng;
    const text::Vocabulary* v = task_.vocab.get();
    const size_t T = task_.real.shape()[1], Z = model_.cfg.latent;
    std::string s = "# reconstructions (held-out sentence -> greedy decoding of its posterior mean)\n";
    const size_t n = std::min<size_t>(5, eval_.shape()[0]);
    const nets::IntTensor x = nets::row_slice(eval_, 0, n);
    const nets::IntTensor rec = model_.decode(model_.encode(x).mu.value(), T);
    for (size_t i = 0; i < n; ++i) s += words_of(x, i, v) + "\n  -> " + words_of(rec, i, v) + "\n";
    if (c_.kind == "vae") {
      nets::Rng r(c_.seed + 7);
      const nets::IntTensor prior = model_.decode(nets::standard_normal({10, Z}, r), T);
      s += "# ten samples from the prior (z ~ N(0, I), greedy decoding)\n";
      for (size_t i = 0; i < 10; ++i) s += words_of(prior, i, v) + "\n";
    }
    if (n >= 2) {
      const nets::IntTensor path = model_.interpolate(nets::row_slice(x, 0, 2), 5, T);
      s += "# interpolation between the first two held-out sentences' means (0, 1/4, ..., 1)\n";
      for (size_t k = 0; k < 5; ++k) s += words_of(path, k, v) + "\n";
    }
    nets::write_file_atomic(dir + "/samples.txt", s);
  }

 private:
  FitConfig c_;
  text::TextTask task_;
  nets::Rng init_;
  nets::SentenceAutoencoder model_;
  nets::AutoencoderTrainer trainer_;
  EpochBatches batches_;
  nets::IntTensor eval_;
};

// ---- sentences: an LSTM language model (MLE) ----------------------------------------------------
// The baseline of every text task, as `seqrl train --agent mle` fits it and SeqGAN pre-trains:
// teacher-forced maximum likelihood, shuffled epochs of whole batches.
class LanguageModelFitter : public Fitter {
 public:
  LanguageModelFitter(const FitConfig& c, text::TextTask task)
      : c_(c), task_(std::move(task)), init_(c.seed), gen_(gen_config(c, task_), init_),
        batches_(task_.real.shape()[0], c.seed + 1001, c.shuffle) {
    const size_t B = batch_of(c);
    if (task_.real.shape()[0] < B)
      throw ValueError("seqrl fit: '" + c.data + "' has " + std::to_string(task_.real.shape()[0]) +
                       " training sentences, fewer than one batch of " + std::to_string(B));
    opt_ = std::make_unique<nets::Adam>(gen_.named_parameters(), c.lr);
  }
  nlohmann::json step() override {
    // every rank draws the same global batch (the same seed); under MPI each computes the
    // gradient of its rows of it (nets::data_parallel_backward)
    const size_t B = batch_of(c_);
    const nets::IntTensor x = batches_.next(task_.real, B);
    opt_->zero_grad();
    const double nll = nets::data_parallel_backward(B, opt_->params(), [&](size_t b, size_t e) {
      if (b == 0 && e == B) return gen_.nll(x);
      return gen_.nll(nets::row_slice(x, b, e));
    });
    if (c_.clip > 0.f) nets::clip_grad_norm(opt_->params(), c_.clip);
    opt_->step();
    return {{"nll", nll}};
  }
  bool data_parallel() const override { return true; }
  nlohmann::json evaluate() override {
    nets::NoGrad ng;
    nlohmann::json j;
    // held-out NLL per token through each sentence's first end token (the padding not scored)
    const nets::Tensor lp = gen_.log_probs(task_.held_out);
    double s = 0, w = 0;
    for (size_t i = 0; i < lp.size(); ++i) {
      const size_t b = i / task_.held_out.shape()[1], t = i % task_.held_out.shape()[1];
      bool scored = true;
      if (task_.eos >= 0)
        for (size_t k = 0; k < t; ++k) scored &= task_.held_out(b, k) != task_.eos;
      if (scored) s -= lp.data()[i], w += 1;
    }
    j["nll_test"] = s / w;
    j["nll_test_sequences"] = task_.held_out.shape()[0];
    if (task_.oracle) {
      nets::Rng r(c_.seed + 6);
      const size_t n = c_.eval_samples ? c_.eval_samples : 9984;
      j["nll_oracle"] = task_.oracle->nll(gen_.sample(n, r));
      j["nll_oracle_samples"] = n;
    }
    return j;
  }
  void save(Tensors& t, nlohmann::json& s) const override {
    nets::add_module_state(gen_, "model.", t);
    Meta meta;
    nets::add_optimizer_state(*opt_, "optim.", t, meta);
    s["optim"] = meta;
    batches_.save(s);
  }
  void load(const nets::SafeTensors& st, const nlohmann::json& s, const std::string& path) override {
    nets::load_module_state(gen_, st, "model.", path);
    opt_->load_state(nets::optimizer_state_with_prefix(st, "optim."));
    batches_.load(s);
  }
  void write_inputs(const std::string& dir) const override {
    if (task_.vocab) task_.vocab->save(dir + "/vocab.txt");
  }
  void write_outputs(const std::string& dir) const override {
    // generator.safetensors in the layout seqrl generate and reinforce's --init-checkpoint read
    nets::save_checkpoint(dir + "/generator.safetensors", gen_, nullptr,
                          generator_metadata(gen_, task_.eos, task_.vocab ? "vocab.txt" : ""));
    nets::Rng r(c_.seed + 7);
    const nets::IntTensor ids = gen_.sample(100, r);
    std::string txt;
    for (size_t i = 0; i < ids.shape()[0]; ++i) txt += words_of(ids, i, task_.vocab.get()) + "\n";
    nets::write_file_atomic(dir + "/samples.txt", txt);
  }

 private:
  static nets::LSTMGeneratorConfig gen_config(const FitConfig& c, const text::TextTask& t) {
    nets::LSTMGeneratorConfig g;
    g.vocab = t.vocab_size;
    g.emb = c.emb;
    g.hidden = c.hidden ? c.hidden : 32;
    g.seq_len = t.real.shape()[1];
    g.init_std = c.init_std;
    // the first input is token 0, as in every agent's generator (<pad> for words, SeqGAN's 0 for
    // the oracle), so that this generator is theirs to start from (--init-generator); fit lm
    // started word generators at <bos> until 2026-12-06, and agents refuse those files by name
    g.start_token = 0;
    return g;
  }
  FitConfig c_;
  text::TextTask task_;
  nets::Rng init_;
  nets::LSTMGenerator gen_;
  std::unique_ptr<nets::Adam> opt_;
  EpochBatches batches_;
};

std::unique_ptr<Fitter> make_fitter(const FitConfig& c) {
  if (c.kind == "gan") return std::make_unique<GanFitter>(c);
  if (c.kind == "lm") return std::make_unique<LanguageModelFitter>(c, text::load_text_task(c.data, task_options(c), c.seed));
  if (is_mixture(c.data)) return std::make_unique<MixtureAutoencoderFitter>(c);
  return std::make_unique<SentenceAutoencoderFitter>(c, text::load_text_task(c.data, task_options(c), c.seed));
}

}  // namespace

namespace {
FitConfig config_in(const nets::SafeTensors& st, const std::string& path) {
  FitConfig c;
  try {
    from_json(nlohmann::json::parse(nets::required_metadata(st, "fit.config", path)), c);
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("checkpoint '" + path + "': metadata 'fit.config': " + e.what());
  }
  return c;
}
}  // namespace

FitConfig fit_config_of(const std::string& path) { return config_in(nets::load_safetensors(path), path); }

FitResult fit(const FitConfig& given, std::ostream* log) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  FitConfig c = given;
  nets::SafeTensors resumed;
  nlohmann::json state;
  if (!given.resume.empty()) {
    resumed = nets::load_safetensors(given.resume);
    c = config_in(resumed, given.resume);
    c.resume = given.resume, c.on_step = given.on_step, c.handle_sigint = given.handle_sigint;
    // (it goes on in its checkpoint's folder, wherever the run was first started)
    if (!c.out.empty()) c.out = agents::dir_of(given.resume);
    try {
      state = nlohmann::json::parse(nets::required_metadata(resumed, "fit.state", given.resume));
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError("checkpoint '" + given.resume + "': metadata 'fit.state': " + e.what());
    }
  }
  validate(c);
  // a folder that holds a run is not started over by accident (every rank checks)
  if (given.resume.empty() && !c.overwrite) refuse_to_overwrite_run(c.out, "fit");
  std::unique_ptr<Fitter> f = make_fitter(c);
  if (nets::dist::size() > 1) {
    if (!f->data_parallel())
      throw ConfigError("seqrl fit " + c.kind + ": " + std::to_string(nets::dist::size()) +
                        " MPI ranks, but this model does not train data-parallel; fit it as one process");
    // rank 0 writes the run folder; the others compute the same run and write nothing
    if (nets::dist::rank() != 0) c.out.clear();
  }
  long step = 0;
  double seconds_before = 0;
  // the running sums of the training figures since the last evaluation
  nlohmann::json sums = nlohmann::json::object();
  long counted = 0;
  RunDir rd(c.out);
  if (!c.out.empty()) {
    nets::make_dirs(c.out);
    f->write_inputs(c.out);
  }
  if (!given.resume.empty()) {
    try {
      f->load(resumed, state, given.resume);
      step = state.at("step").get<long>();
      seconds_before = state.at("seconds").get<double>();
      sums = state.at("train_sums");
      counted = state.at("train_counted").get<long>();
      // the lines written after the checkpoint go: the resumed run writes them again
      rd.open(&state.at("files"), given.resume);
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError("checkpoint '" + given.resume + "': metadata 'fit.state': " + e.what());
    }
  } else {
    rd.open();
  }
  auto elapsed = [&] { return seconds_before + std::chrono::duration<double>(clock::now() - t0).count(); };

  FitResult r;
  r.kind = c.kind;
  long last_checkpoint = given.resume.empty() ? -1 : step;
  auto checkpoint = [&] {
    if (c.out.empty()) return;
    Tensors t;
    nlohmann::json s;
    f->save(t, s);
    s["step"] = step;
    s["seconds"] = elapsed();
    s["files"] = rd.state();
    s["train_sums"] = sums;
    s["train_counted"] = counted;
    Meta meta{{"fit.config", nlohmann::json(c).dump()}, {"fit.state", s.dump()}, {"fit.kind", c.kind}};
    for (auto& [k, v] : s["optim"].items()) meta[k] = v.get<std::string>();
    if (!f->describe().empty()) meta["autoencoder"] = f->describe();
    if (!f->gan_metadata().empty()) meta["latent_gan"] = f->gan_metadata();
    r.checkpoint = c.out + "/checkpoint.safetensors";
    nets::save_safetensors(r.checkpoint, t, meta);
    last_checkpoint = step;
  };
  auto record = [&](const nlohmann::json& ev) {
    // the evaluation's figures under their own names, the training means since the last one as train_NAME
    nlohmann::json figures = ev;
    for (auto& [k, v] : sums.items()) figures["train_" + k] = v.get<double>() / double(std::max(1L, counted));
    const double secs = elapsed();
    rd.log(step, secs, figures);
    if (log) {
      nlohmann::json line = {{"step", step}, {"seconds", secs}};
      line.update(figures);
      *log << line.dump() << "\n" << std::flush;
    }
    sums = nlohmann::json::object();
    counted = 0;
  };

  SigintStop guard(c.handle_sigint);
  if (step == 0 && given.resume.empty()) record(f->evaluate());
  while (step < c.steps) {
    nlohmann::json s;
    try {
      s = f->step();
      for (auto& [k, v] : s.items())
        if (v.is_number() && !std::isfinite(v.get<double>()))
          throw NumericError("the update's '" + k + "' is " + std::to_string(v.get<double>()));
    } catch (const NumericError& e) {
      // stop before anything is written from the diverged state: the last checkpoint stays as it was
      throw NumericError(std::string(e.what()) + "; fit " + c.kind + " on " + c.data + " stopped at update " +
                         std::to_string(step + 1) +
                         (last_checkpoint >= 0 ? "; its last checkpoint, '" + c.out + "/checkpoint.safetensors' (update " +
                                                     std::to_string(last_checkpoint) + "), is intact"
                                               : "; no checkpoint had been written"));
    }
    ++step;
    for (auto& [k, v] : s.items())
      if (v.is_number()) sums[k] = sums.value(k, 0.0) + v.get<double>();
    ++counted;
    if (c.eval_every > 0 && step % c.eval_every == 0 && step < c.steps) record(f->evaluate());
    if (c.checkpoint_every > 0 && step % c.checkpoint_every == 0) checkpoint();
    if (c.on_step) c.on_step(step);
    // under MPI the ranks stop together: at the step where any of them was asked to
    if (nets::dist::any(stop_requested()) && step < c.steps) {
      checkpoint();
      r.interrupted = true;
      r.steps = step;
      r.seconds = elapsed();
      rd.write_summary({{"kind", c.kind}, {"data", c.data}, {"seed", c.seed}, {"steps", step},
                        {"interrupted", true}, {"checkpoint", r.checkpoint}, {"config", c}});
      return r;
    }
  }
  // the final checkpoint comes before the final evaluation, which a resume from it repeats (as
  // seqrl train's): a run killed after it but before its end resumes to the same files, no line twice
  checkpoint();
  r.final_eval = f->evaluate();
  record(r.final_eval);
  r.steps = step;
  r.seconds = elapsed();
  if (!c.out.empty()) {
    f->write_outputs(c.out);
    nlohmann::json summary = {{"kind", c.kind}, {"data", c.data}, {"seed", c.seed}, {"steps", step},
                              {"interrupted", false}, {"wall_seconds", r.seconds}, {"final", r.final_eval},
                              {"config", c}};
    rd.write_summary(summary);
  }
  return r;
}

FittedSentenceAutoencoder load_sentence_autoencoder(const std::string& path) {
  FittedSentenceAutoencoder f;
  const nets::SafeTensors st = nets::load_safetensors(path);
  f.cfg = config_in(st, path);
  f.model = nets::load_autoencoder(st, path).sentence;
  if (!f.model)
    throw CheckpointError("checkpoint '" + path + "' holds a " + f.cfg.kind + " of " + f.cfg.data + ", not a sentence autoencoder");
  if (f.cfg.data != "oracle") {
    f.vocab_file = dir_of(path) + "/vocab.txt";
    f.vocab = std::make_shared<const text::Vocabulary>(text::Vocabulary::load(f.vocab_file));
    if (f.vocab->size() != f.model->cfg.vocab)
      throw CheckpointError("checkpoint '" + path + "': its vocab.txt has " + std::to_string(f.vocab->size()) +
                            " tokens, the model " + std::to_string(f.model->cfg.vocab));
  }
  return f;
}

}  // namespace seqrl::fit
