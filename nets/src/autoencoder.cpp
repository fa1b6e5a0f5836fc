// MLP and sentence autoencoders (AE and VAE). See models/autoencoder.hpp.
#include "seqrl/nets/models/autoencoder.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::nets {

Tensor standard_normal(const Shape& shape, Rng& rng) {
  Tensor t = empty(shape);
  for (auto& v : t) v = rng.normal();
  return t;
}

Var reparametrize(const Var& mu, const Var& logvar, const Tensor& eps) {
  if (mu.shape() != logvar.shape() || shape_of(eps) != mu.shape())
    throw ShapeError("reparametrize: mu " + shape_str(mu.shape()) + ", logvar " + shape_str(logvar.shape()) +
                     " and eps " + shape_str(shape_of(eps)) + " must have one shape");
  return mu + exp(logvar * 0.5f) * Var(eps);
}

double kl_weight(long step, long anneal_steps) {
  if (anneal_steps <= 0) return 1.0;
  return std::min(1.0, double(step) / double(anneal_steps));
}

namespace {
// recon + beta * KL (a VAE: p.logvar defined) or recon alone (an AE), with the figures
VaeTerms vae_terms(const Var& recon, const MlpAutoencoder::Posterior& p, double beta) {
  VaeTerms t;
  t.recon = recon.item();
  t.loss = recon;
  t.value = t.recon;
  t.beta = 0.0;
  if (p.logvar.defined()) {
    const Var kl = kl_normal(p.mu, p.logvar);
    t.kl = kl.item();
    t.beta = beta;
    t.loss = recon + kl * float(beta);
    t.value = t.loss.item();
  }
  return t;
}

std::vector<size_t> decoder_sizes(const MlpAutoencoderConfig& c) {
  std::vector<size_t> s{c.latent};
  for (auto it = c.hidden.rbegin(); it != c.hidden.rend(); ++it) s.push_back(*it);
  s.push_back(c.in);
  return s;
}
std::vector<size_t> encoder_sizes(const MlpAutoencoderConfig& c) {
  if (c.hidden.empty()) throw ValueError("MlpAutoencoder: needs at least one hidden layer");
  std::vector<size_t> s{c.in};
  s.insert(s.end(), c.hidden.begin(), c.hidden.end());
  return s;
}
}  // namespace

MlpAutoencoder::MlpAutoencoder(const MlpAutoencoderConfig& c, Rng& rng)
    : cfg(c),
      encoder(encoder_sizes(c), rng, Activation::kRelu, Activation::kRelu),
      to_mu(c.hidden.back(), c.latent, rng),
      decoder(decoder_sizes(c), rng, Activation::kRelu, Activation::kNone) {
  register_module("encoder", encoder);
  register_module("to_mu", to_mu);
  if (c.variational) {
    to_logvar = std::make_unique<Linear>(c.hidden.back(), c.latent, rng);
    register_module("to_logvar", *to_logvar);
  }
  register_module("decoder", decoder);
}

MlpAutoencoder::Posterior MlpAutoencoder::encode(const Var& x) const {
  if (x.ndim() != 2 || x.dim(1) != cfg.in)
    throw ShapeError("MlpAutoencoder: input " + shape_str(x.shape()) + ", expected [N, " + std::to_string(cfg.in) + "]");
  const Var h = encoder.forward(x);
  Posterior p{to_mu.forward(h), Var()};
  if (to_logvar) p.logvar = to_logvar->forward(h);
  return p;
}

Var MlpAutoencoder::decode(const Var& z) const { return decoder.forward(z); }

namespace {
void check_rows(size_t begin, size_t end, size_t rows, const char* what) {
  if (begin >= end || end > rows)
    throw ShapeError(std::string(what) + ": rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") of a batch of " + std::to_string(rows));
}
}  // namespace

VaeTerms MlpAutoencoder::loss(const Tensor& x, double beta, Rng& rng) const {
  return loss_rows(x, beta, rng, 0, x.dimension() ? x.shape()[0] : 0);
}

VaeTerms MlpAutoencoder::loss_rows(const Tensor& all, double beta, Rng& rng, size_t begin, size_t end) const {
  if (all.dimension() != 2 || all.shape()[1] != cfg.in)
    throw ShapeError("MlpAutoencoder: input " + shape_str(shape_of(all)) + ", expected [N, " + std::to_string(cfg.in) + "]");
  const size_t N = all.shape()[0];
  check_rows(begin, end, N, "MlpAutoencoder::loss");
  const bool whole = begin == 0 && end == N;
  const Var xv(whole ? all : row_slice(all, begin, end));
  const Posterior p = encode(xv);
  Var z = p.mu;
  if (cfg.variational) {  // the whole batch's eps, this shard's rows
    const Tensor eps = standard_normal({N, cfg.latent}, rng);
    z = reparametrize(p.mu, p.logvar, whole ? eps : row_slice(eps, begin, end));
  }
  const Var err = decode(z) - xv;
  // 0.5 |x - x̂|² per example: the Gaussian decoder's NLL up to its constant
  const Var recon = sum(square(err)) * (0.5f / float(end - begin));
  return vae_terms(recon, p, beta);
}

Tensor MlpAutoencoder::features(const Tensor& x) const {
  NoGrad ng;
  return encode(Var(x)).mu.value();
}

// ---- sentences ----------------------------------------------------------------------------------

SentenceAutoencoder::SentenceAutoencoder(const SentenceAutoencoderConfig& c, Rng& rng)
    : cfg(c),
      embedding(c.vocab + 1, c.emb, rng),
      encoder(c.emb, c.hidden, rng),
      to_mu(c.hidden, c.latent, rng),
      to_state(c.latent, c.hidden, rng),
      decoder(c.emb + c.latent, c.hidden, rng),
      out(c.hidden, c.vocab, rng) {
  if (c.vocab == 0) throw ValueError("SentenceAutoencoder: vocab must be positive");
  if (c.word_dropout < 0.f || c.word_dropout >= 1.f)
    throw ValueError("SentenceAutoencoder: word_dropout must be in [0, 1), got " + std::to_string(c.word_dropout));
  register_module("embedding", embedding);
  register_module("encoder", encoder);
  register_module("to_mu", to_mu);
  if (c.variational) {
    to_logvar = std::make_unique<Linear>(c.hidden, c.latent, rng);
    register_module("to_logvar", *to_logvar);
  }
  register_module("to_state", to_state);
  register_module("decoder", decoder);
  register_module("out", out);
}

namespace {
void check_ids(const IntTensor& seqs, size_t V, const char* what) {
  if (seqs.dimension() != 2) throw ShapeError(std::string(what) + ": token ids " + shape_str(shape_of(seqs)) + ", expected [B, T]");
  for (size_t i = 0; i < seqs.size(); ++i)
    if (seqs.data()[i] < 0 || size_t(seqs.data()[i]) >= V)
      throw ValueError(std::string(what) + ": token id " + std::to_string(seqs.data()[i]) + " at row " +
                       std::to_string(i / seqs.shape()[1]) + ", position " + std::to_string(i % seqs.shape()[1]) +
                       " outside the vocabulary of " + std::to_string(V));
}
}  // namespace

Tensor mask_through_eos(const IntTensor& seqs, int32_t eos) {
  if (seqs.dimension() != 2) throw ShapeError("mask_through_eos: token ids " + shape_str(shape_of(seqs)) + ", expected [B, T]");
  const size_t B = seqs.shape()[0], T = seqs.shape()[1];
  Tensor m = Tensor::from_shape({B, T});
  for (size_t b = 0; b < B; ++b) {
    bool ended = false;
    for (size_t t = 0; t < T; ++t) {
      m(b, t) = ended ? 0.f : 1.f;
      if (eos >= 0 && seqs(b, t) == eos) ended = true;
    }
  }
  return m;
}

Tensor SentenceAutoencoder::mask(const IntTensor& seqs) const { return mask_through_eos(seqs, cfg.eos); }

MlpAutoencoder::Posterior SentenceAutoencoder::encode(const IntTensor& seqs,
                                                      const std::vector<size_t>& lengths) const {
  check_ids(seqs, cfg.vocab, "SentenceAutoencoder::encode");
  const size_t B = seqs.shape()[0], T = seqs.shape()[1];
  if (lengths.size() != B)
    throw ShapeError("SentenceAutoencoder::encode: " + std::to_string(lengths.size()) + " lengths for " + std::to_string(B) + " rows");
  // the encoder's output at each row's last token, picked by a one-hot weight over time
  Tensor pick = Tensor::from_shape({B, T, 1});
  pick.fill(0.f);
  for (size_t b = 0; b < B; ++b) {
    if (lengths[b] > T) throw ShapeError("SentenceAutoencoder::encode: length " + std::to_string(lengths[b]) + " > T = " + std::to_string(T));
    if (lengths[b] > 0) pick(b, lengths[b] - 1, 0) = 1.f;
  }
  const Var h = sum(encoder.forward(embedding.forward(seqs)).out * Var(pick), {1});
  MlpAutoencoder::Posterior p{to_mu.forward(h), Var()};
  if (to_logvar) p.logvar = to_logvar->forward(h);
  return p;
}

namespace {
// The scored tokens of each row of a mask from mask_through_eos (ones, then zeros).
std::vector<size_t> lengths_of(const Tensor& m) {
  std::vector<size_t> lengths(m.shape()[0]);
  for (size_t b = 0; b < lengths.size(); ++b)
    for (size_t t = 0; t < m.shape()[1]; ++t) lengths[b] += m(b, t) > 0.f;
  return lengths;
}
}  // namespace

MlpAutoencoder::Posterior SentenceAutoencoder::encode(const IntTensor& seqs) const {
  return encode(seqs, lengths_of(mask(seqs)));
}

std::vector<uint8_t> SentenceAutoencoder::draw_word_dropout(size_t B, size_t T, Rng& rng) const {
  if (cfg.word_dropout <= 0.f) return {};
  std::vector<uint8_t> drop(B * T, 0);
  for (size_t b = 0; b < B; ++b)
    for (size_t t = 1; t < T; ++t) drop[b * T + t] = rng.uniform() < cfg.word_dropout;
  return drop;
}

Var SentenceAutoencoder::decoder_states(const Var& z, const IntTensor& seqs, Rng* dropout_rng) const {
  const std::vector<uint8_t> drop =
      dropout_rng ? draw_word_dropout(seqs.shape()[0], seqs.shape()[1], *dropout_rng) : std::vector<uint8_t>();
  return decoder_states_given(z, seqs, drop.empty() ? nullptr : drop.data());
}

Var SentenceAutoencoder::decoder_states_given(const Var& z, const IntTensor& seqs, const uint8_t* drop) const {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1];
  const int32_t start = int32_t(cfg.vocab);
  IntTensor in = IntTensor::from_shape({B, T});
  for (size_t b = 0; b < B; ++b) {
    in(b, 0) = start;
    for (size_t t = 1; t < T; ++t) in(b, t) = drop && drop[b * T + t] ? start : seqs(b, t - 1);
  }
  Tensor zero = Tensor::from_shape({B, cfg.hidden});
  zero.fill(0.f);
  const LSTMState init{tanh(to_state.forward(z)), Var(zero)};
  // z beside every input word as well (so the decoder cannot ignore it as easily)
  Tensor ones = Tensor::from_shape({1, T, 1});
  ones.fill(1.f);
  const Var zt = reshape(z, {B, 1, cfg.latent}) * Var(ones);
  return decoder.forward(concat({embedding.forward(in), zt}, 2), &init).out;
}

Var SentenceAutoencoder::reconstruction(const Var& z, const IntTensor& seqs, const Tensor& m,
                                        Rng* dropout_rng) const {
  const std::vector<uint8_t> drop =
      dropout_rng ? draw_word_dropout(seqs.shape()[0], seqs.shape()[1], *dropout_rng) : std::vector<uint8_t>();
  return reconstruction_given(z, seqs, m, drop.empty() ? nullptr : drop.data());
}

Var SentenceAutoencoder::reconstruction_given(const Var& z, const IntTensor& seqs, const Tensor& m,
                                              const uint8_t* drop) const {
  const Var h = decoder_states_given(z, seqs, drop);
  double scored = 0;
  for (float v : m) scored += v;
  // linear_cross_entropy is the mean over scored tokens; the sum per sentence is that times
  // scored / B
  return linear_cross_entropy(h, out.weight, out.bias, seqs, m) * float(scored / double(seqs.shape()[0]));
}

SentenceAutoencoder::RowElbo SentenceAutoencoder::elbo(const IntTensor& seqs) const {
  check_ids(seqs, cfg.vocab, "SentenceAutoencoder::elbo");
  NoGrad ng;
  const size_t B = seqs.shape()[0], T = seqs.shape()[1], V = cfg.vocab, chunk = 64;
  RowElbo r;
  r.elbo.resize(B);
  r.tokens.resize(B);
  for (size_t b0 = 0; b0 < B; b0 += chunk) {
    const size_t nb = std::min(chunk, B - b0);
    IntTensor part = IntTensor::from_shape({nb, T});
    std::copy(seqs.data() + b0 * T, seqs.data() + (b0 + nb) * T, part.data());
    const std::vector<size_t> lengths = lengths_of(mask(part));
    const MlpAutoencoder::Posterior p = encode(part, lengths);
    Tensor logp = linear(decoder_states(p.mu, part, nullptr), out.weight, out.bias).value();
    kernels::log_softmax_rows(logp.data(), logp.data(), nb * T, V);
    for (size_t b = 0; b < nb; ++b) {
      double ll = 0;
      for (size_t t = 0; t < lengths[b]; ++t) ll += logp.data()[(b * T + t) * V + part(b, t)];
      double kl = 0;
      if (cfg.variational)
        for (size_t j = 0; j < cfg.latent; ++j) {
          const double mu = p.mu.value()(b, j), lv = p.logvar.value()(b, j);
          kl += -0.5 * (1.0 + lv - mu * mu - std::exp(lv));
        }
      r.elbo[b0 + b] = ll - kl;
      r.tokens[b0 + b] = double(lengths[b]);
    }
  }
  return r;
}

VaeTerms SentenceAutoencoder::loss(const IntTensor& all, double beta, Rng& rng) const {
  return loss_rows(all, beta, rng, 0, all.dimension() == 2 ? all.shape()[0] : 0);
}

VaeTerms SentenceAutoencoder::loss_rows(const IntTensor& all, double beta, Rng& rng, size_t begin, size_t end) const {
  check_ids(all, cfg.vocab, "SentenceAutoencoder::loss");
  // the columns after every row of the batch has ended cost nothing: drop them (same loss, less
  // work; the whole batch's, so that every shard's draws are one process's)
  const size_t B = all.shape()[0];
  check_rows(begin, end, B, "SentenceAutoencoder::loss");  // (an empty batch too)
  const Tensor full = mask(all);
  const std::vector<size_t> all_lengths = lengths_of(full);
  const size_t L = std::max<size_t>(1, *std::max_element(all_lengths.begin(), all_lengths.end()));
  const size_t n = end - begin;
  IntTensor seqs = IntTensor::from_shape({n, L});
  Tensor m = Tensor::from_shape({n, L});
  for (size_t b = 0; b < n; ++b)
    for (size_t t = 0; t < L; ++t) seqs(b, t) = all(begin + b, t), m(b, t) = full(begin + b, t);
  const std::vector<size_t> lengths(all_lengths.begin() + long(begin), all_lengths.begin() + long(end));
  // the whole batch's draws, in one process's order: eps, then the word dropout (training only)
  const Tensor eps = cfg.variational ? standard_normal({B, cfg.latent}, rng) : Tensor();
  const std::vector<uint8_t> drop = training() ? draw_word_dropout(B, L, rng) : std::vector<uint8_t>();
  const MlpAutoencoder::Posterior p = encode(seqs, lengths);
  const Var z = cfg.variational ? reparametrize(p.mu, p.logvar, n == B ? eps : row_slice(eps, begin, end)) : p.mu;
  VaeTerms t = vae_terms(reconstruction_given(z, seqs, m, drop.empty() ? nullptr : drop.data() + begin * L), p, beta);
  t.tokens = double(std::accumulate(lengths.begin(), lengths.end(), size_t{0})) / double(n);
  return t;
}

IntTensor SentenceAutoencoder::decode(const Tensor& z, size_t T, Rng* rng) const {
  if (z.dimension() != 2 || z.shape()[1] != cfg.latent)
    throw ShapeError("SentenceAutoencoder::decode: z " + shape_str(shape_of(z)) + ", expected [N, " + std::to_string(cfg.latent) + "]");
  NoGrad ng;
  const size_t N = z.shape()[0], V = cfg.vocab;
  Tensor zero = Tensor::from_shape({N, cfg.hidden});
  zero.fill(0.f);
  LSTMState s{tanh(to_state.forward(Var(z))), Var(zero)};
  IntTensor ids = IntTensor::from_shape({N, 1});
  ids.fill(int32_t(V));
  IntTensor result = IntTensor::from_shape({N, T});
  std::vector<double> u(N);
  std::vector<float> scratch(V);
  for (size_t t = 0; t < T; ++t) {
    s = decoder.cell.forward(concat({reshape(embedding.forward(ids), {N, cfg.emb}), Var(z)}, 1), s);
    const Tensor logits = out.forward(s.h).value();
    if (rng) {  // sample from the softmax (the generator's inverse-CDF rule)
      for (auto& x : u) x = rng->uniform_double();
      kernels::sample_rows(logits.data(), nullptr, N, V, 1.f, u.data(), ids.data(), scratch.data());
    } else {
      for (size_t n = 0; n < N; ++n) {
        const float* row = logits.data() + n * V;
        ids(n, 0) = int32_t(std::max_element(row, row + V) - row);
      }
    }
    for (size_t n = 0; n < N; ++n) result(n, t) = ids(n, 0);
  }
  return result;
}

IntTensor SentenceAutoencoder::interpolate(const IntTensor& two, size_t points, size_t T) const {
  if (two.dimension() != 2 || two.shape()[0] != 2)
    throw ShapeError("SentenceAutoencoder::interpolate: sentences " + shape_str(shape_of(two)) + ", expected [2, T]");
  if (points < 2) throw ValueError("SentenceAutoencoder::interpolate: needs at least 2 points, got " + std::to_string(points));
  NoGrad ng;
  const Tensor mu = encode(two).mu.value();
  const size_t Z = cfg.latent;
  Tensor z = Tensor::from_shape({points, Z});
  for (size_t k = 0; k < points; ++k) {
    const float a = float(k) / float(points - 1);
    for (size_t j = 0; j < Z; ++j) z(k, j) = (1.f - a) * mu(0, j) + a * mu(1, j);
  }
  return decode(z, T);
}

Tensor SentenceAutoencoder::features(const IntTensor& seqs, const std::vector<size_t>& lengths) const {
  NoGrad ng;
  return encode(seqs, lengths).mu.value();
}

std::string describe(const MlpAutoencoderConfig& c) {
  return nlohmann::json{{"form", "mlp"}, {"in", c.in}, {"hidden", c.hidden}, {"latent", c.latent},
                        {"variational", c.variational}}
      .dump();
}

std::string describe(const SentenceAutoencoderConfig& c) {
  return nlohmann::json{{"form", "sentence"}, {"vocab", c.vocab}, {"emb", c.emb}, {"hidden", c.hidden},
                        {"latent", c.latent}, {"variational", c.variational}, {"eos", c.eos},
                        {"word_dropout", c.word_dropout}}
      .dump();
}

LoadedAutoencoder load_autoencoder(const std::string& path) { return load_autoencoder(load_safetensors(path), path); }

LoadedAutoencoder load_autoencoder(const SafeTensors& st, const std::string& path) {
  LoadedAutoencoder out;
  Rng rng(0);
  Module* m = nullptr;
  try {
    const auto j = nlohmann::json::parse(required_metadata(st, "autoencoder", path));
    const std::string form = j.at("form").get<std::string>();
    if (form == "mlp") {
      MlpAutoencoderConfig c;
      c.in = j.at("in"), c.hidden = j.at("hidden").get<std::vector<size_t>>(), c.latent = j.at("latent");
      c.variational = j.at("variational");
      out.mlp = std::make_shared<MlpAutoencoder>(c, rng);
      m = out.mlp.get();
    } else if (form == "sentence") {
      SentenceAutoencoderConfig c;
      c.vocab = j.at("vocab"), c.emb = j.at("emb"), c.hidden = j.at("hidden"), c.latent = j.at("latent");
      c.variational = j.at("variational"), c.eos = j.at("eos"), c.word_dropout = j.at("word_dropout");
      out.sentence = std::make_shared<SentenceAutoencoder>(c, rng);
      m = out.sentence.get();
    } else {
      throw CheckpointError("checkpoint '" + path + "': metadata 'autoencoder': unknown form '" + form + "'");
    }
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("checkpoint '" + path + "': metadata 'autoencoder': " + e.what());
  }
  load_module_state(*m, st, "model.", path);
  m->eval();
  return out;
}

AutoencoderTrainer::AutoencoderTrainer(Module& m, const AutoencoderTrainConfig& c)
    : cfg(c), model(m), opt(m.named_parameters(), c.lr), rng(c.seed) {}

VaeTerms AutoencoderTrainer::step_rows(size_t rows,
                                      const std::function<VaeTerms(double, Rng&, size_t, size_t)>& loss) {
  const double beta = kl_weight(opt.steps(), cfg.kl_anneal_steps);
  VaeTerms t;
  double share = 0;
  opt.zero_grad();
  const double value = data_parallel_backward(rows, opt.params(), [&](size_t b, size_t e) {
    t = loss(beta, rng, b, e);
    share = double(e - b) / double(rows);
    return t.loss;
  });
  if (dist::size() > 1) {  // the global batch's figures: the shards' means weighted by their rows
    double f[3] = {t.recon * share, t.kl * share, t.tokens * share};
    dist::allreduce_sum(f, 3);
    t.recon = f[0], t.kl = f[1], t.tokens = f[2];
  }
  t.value = value;
  if (cfg.clip > 0.f) clip_grad_norm(opt.params(), cfg.clip);
  opt.step();
  return t;
}

void AutoencoderTrainer::update(Var& loss) {
  opt.zero_grad();
  loss.backward();
  if (cfg.clip > 0.f) clip_grad_norm(opt.params(), cfg.clip);
  opt.step();
}

}  // namespace seqrl::nets
