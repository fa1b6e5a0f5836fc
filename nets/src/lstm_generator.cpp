// SeqGAN's LSTM generator: teacher-forced NLL (fused output layer), log-probs, and a graph-free
// sampler (the hot loop of MLE evaluation, rollouts and data generation).
#include "seqrl/nets/models/lstm_generator.hpp"

#include <algorithm>
#include <cstring>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>

#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/nets/parallel.hpp"

namespace seqrl::nets {

namespace {
// One LSTM step for n rows without a graph (sampling, prefix completion, next-token logits):
// gates [n, 4H] hold the bias on entry; x [n, E]; h and c [n, H] are updated in place. Gate
// order i, f, o, g as in LSTMCell.
void cell_step(size_t n, size_t E, size_t H, const float* x, const float* Wi, const float* Wh,
               float* h, float* c, float* gates) {
  const size_t G = 4 * H;
  kernels::sgemm(false, false, n, G, E, 1.f, x, E, Wi, G, 1.f, gates, G);
  kernels::sgemm(false, false, n, G, H, 1.f, h, H, Wh, G, 1.f, gates, G);
  for (size_t b = 0; b < n; ++b) {
    float* a = gates + b * G;
    kernels::vsigmoid(a, a, 3 * H);
    kernels::vtanh(a + 3 * H, a + 3 * H, H);
    float* cb = c + b * H;
    for (size_t j = 0; j < H; ++j) cb[j] = a[H + j] * cb[j] + a[j] * a[3 * H + j];
    kernels::vtanh(cb, h + b * H, H);
    for (size_t j = 0; j < H; ++j) h[b * H + j] *= a[2 * H + j];
  }
}

}  // namespace

IntTensor shift_right(const IntTensor& seqs, int32_t start) {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1];
  IntTensor in = IntTensor::from_shape({B, T});
  for (size_t b = 0; b < B; ++b) {
    if (T) in(b, 0) = start;
    for (size_t t = 1; t < T; ++t) in(b, t) = seqs(b, t - 1);
  }
  return in;
}

LSTMGenerator::LSTMGenerator(const LSTMGeneratorConfig& c, Rng& rng)
    : cfg(c), embedding(c.vocab, c.emb, rng), lstm(c.emb, c.hidden, rng), out(c.hidden, c.vocab, rng) {
  if (c.start_token < 0 || static_cast<size_t>(c.start_token) >= c.vocab)
    throw ValueError("LSTMGenerator: start_token " + std::to_string(c.start_token) +
                     " outside the vocabulary of " + std::to_string(c.vocab));
  register_module("embedding", embedding);
  register_module("lstm", lstm);
  register_module("out", out);
  if (c.init_std > 0.f)
    for (auto& [name, p] : named_parameters())
      for (auto& v : p.value()) v = static_cast<float>(rng.normal() * c.init_std);
}

Var LSTMGenerator::nll(const IntTensor& seqs, const Tensor& mask) const {
  if (seqs.dimension() != 2)
    throw ShapeError("LSTMGenerator::nll: sequences must be [B, T], got " + shape_str(seqs.shape()));
  Var x = embedding.forward(shift_right(seqs, cfg.start_token));
  Var h = lstm.forward(x).out;
  return linear_cross_entropy(h, out.weight, out.bias, seqs, mask);
}

Var LSTMGenerator::weighted_nll_sum(const IntTensor& seqs, const Tensor& w) const {
  if (w.shape() != seqs.shape())
    throw ShapeError("LSTMGenerator::weighted_nll_sum: weights " + shape_str(w.shape()) +
                     " differ from the sequences " + shape_str(seqs.shape()));
  // nll(seqs, mask) is sum(mask * nll) / sum(mask) for a non-negative mask: the positive and the
  // negative parts of w each go through it once
  Tensor pos = xt::maximum(w, 0.f), neg = xt::maximum(-w, 0.f);
  const double sp = xt::sum(pos)(), sn = xt::sum(neg)();
  Var total;
  if (sp > 0) total = scale(nll(seqs, pos), static_cast<float>(sp));
  if (sn > 0) {
    Var n = scale(nll(seqs, neg), static_cast<float>(-sn));
    total = total.defined() ? add(total, n) : n;
  }
  if (!total.defined()) total = scale(nll(seqs), 0.f);  // all weights zero: a zero loss
  return total;
}

Tensor LSTMGenerator::next_logits(const IntTensor& prefix, size_t given) const {
  if (prefix.dimension() != 2 || prefix.shape()[1] < given)
    throw ShapeError("LSTMGenerator::next_logits: prefix " + shape_str(prefix.shape()) + " with " +
                     std::to_string(given) + " given tokens");
  const size_t n = prefix.shape()[0], V = cfg.vocab, E = cfg.emb, H = cfg.hidden, G = 4 * H;
  const float* Emb = embedding.weight.value().data();
  const float* Wi = lstm.cell.w_ih.value().data();
  const float* Wh = lstm.cell.w_hh.value().data();
  const float* bg = lstm.cell.b.value().data();
  std::vector<float> x(n * E), h(n * H, 0.f), c(n * H, 0.f), gates(n * G);
  std::vector<int32_t> tok(n, cfg.start_token);
  // the same cell arithmetic as generate(), over the given tokens
  for (size_t t = 0; t <= given; ++t) {
    for (size_t b = 0; b < n; ++b) {
      if (tok[b] < 0 || size_t(tok[b]) >= V)
        throw ValueError("LSTMGenerator::next_logits: token " + std::to_string(tok[b]) +
                         " is outside the vocabulary");
      std::memcpy(x.data() + b * E, Emb + size_t(tok[b]) * E, E * sizeof(float));
      std::memcpy(gates.data() + b * G, bg, G * sizeof(float));
    }
    cell_step(n, E, H, x.data(), Wi, Wh, h.data(), c.data(), gates.data());
    if (t < given)
      for (size_t b = 0; b < n; ++b) tok[b] = prefix(b, t);
  }
  Tensor logits = Tensor::from_shape({n, V});
  for (size_t b = 0; b < n; ++b) std::memcpy(logits.data() + b * V, out.bias.value().data(), V * sizeof(float));
  kernels::sgemm(false, false, n, V, H, 1.f, h.data(), H, out.weight.value().data(), V, 1.f, logits.data(), V);
  return logits;
}

Tensor LSTMGenerator::log_probs(const IntTensor& seqs, float temperature) const {
  if (!(temperature > 0.f)) throw ValueError("log_probs: temperature must be > 0");
  if (seqs.dimension() != 2)
    throw ShapeError("LSTMGenerator::log_probs: sequences must be [B, T], got " +
                     shape_str(seqs.shape()));
  const size_t B = seqs.shape()[0], T = seqs.shape()[1], V = cfg.vocab;
  for (size_t i = 0; i < seqs.size(); ++i)
    if (seqs.data()[i] < 0 || static_cast<size_t>(seqs.data()[i]) >= V)
      throw ValueError("log_probs: token " + std::to_string(seqs.data()[i]) + " at flat position " +
                       std::to_string(i) + " outside [0, " + std::to_string(V) + ")");
  Tensor lp = Tensor::from_shape({B, T});
  const size_t chunk = 64, chunks = (B + chunk - 1) / chunk;
  parallel_for(chunks, [&](size_t c_begin, size_t c_end, size_t) {
    NoGrad ng;  // per thread
    std::vector<float> logits(chunk * T * V);
    for (size_t ci = c_begin; ci < c_end; ++ci) {
      const size_t b0 = ci * chunk, nb = std::min(chunk, B - b0);
      IntTensor part = IntTensor::from_shape({nb, T});
      std::copy(seqs.data() + b0 * T, seqs.data() + (b0 + nb) * T, part.data());
      Var h = lstm.forward(embedding.forward(shift_right(part, cfg.start_token))).out;
      const size_t rows = nb * T;
      for (size_t r = 0; r < rows; ++r)
        std::memcpy(logits.data() + r * V, out.bias.value().data(), V * sizeof(float));
      kernels::sgemm(false, false, rows, V, cfg.hidden, 1.f, h.value().data(), cfg.hidden,
                     out.weight.value().data(), V, 1.f, logits.data(), V);
      if (temperature != 1.f)
        for (size_t i = 0; i < rows * V; ++i) logits[i] /= temperature;
      kernels::log_softmax_rows(logits.data(), logits.data(), rows, V);
      for (size_t r = 0; r < rows; ++r) lp.data()[b0 * T + r] = logits[r * V + part.data()[r]];
    }
  });
  return lp;
}

IntTensor LSTMGenerator::sample(size_t n, Rng& rng, float temperature) const {
  return generate(nullptr, 0, n, rng, temperature, 0, n);
}

IntTensor LSTMGenerator::sample_rows(size_t n, Rng& rng, size_t begin, size_t end, float temperature) const {
  if (begin > end || end > n)
    throw ShapeError("LSTMGenerator::sample_rows: rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") of " + std::to_string(n));
  return generate(nullptr, 0, n, rng, temperature, begin, end);
}

IntTensor LSTMGenerator::complete(const IntTensor& prefix, size_t given, Rng& rng,
                                  float temperature) const {
  return complete_rows(prefix, given, rng, 0, prefix.dimension() == 2 ? prefix.shape()[0] : 0, temperature);
}

IntTensor LSTMGenerator::complete_rows(const IntTensor& prefix, size_t given, Rng& rng, size_t begin, size_t end,
                                       float temperature) const {
  if (prefix.dimension() != 2 || prefix.shape()[1] < given || given > cfg.seq_len)
    throw ShapeError("LSTMGenerator::complete: prefix " + shape_str(prefix.shape()) + " with " +
                     std::to_string(given) + " given tokens does not fit [n, >= given], given <= " +
                     std::to_string(cfg.seq_len));
  for (size_t i = 0; i < prefix.shape()[0]; ++i)
    for (size_t t = 0; t < given; ++t)
      if (prefix(i, t) < 0 || size_t(prefix(i, t)) >= cfg.vocab)
        throw ValueError("LSTMGenerator::complete: token " + std::to_string(prefix(i, t)) + " at (" +
                         std::to_string(i) + ", " + std::to_string(t) + ") is outside the vocabulary");
  if (begin > end || end > prefix.shape()[0])
    throw ShapeError("LSTMGenerator::complete_rows: rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") of " + std::to_string(prefix.shape()[0]));
  return generate(&prefix, given, prefix.shape()[0], rng, temperature, begin, end);
}

IntTensor LSTMGenerator::generate(const IntTensor* prefix, size_t given, size_t n, Rng& rng,
                                  float temperature, size_t row_begin, size_t row_end) const {
  const size_t T = cfg.seq_len, V = cfg.vocab, E = cfg.emb, H = cfg.hidden, G = 4 * H;
  const size_t S = T - given;  // sampled positions per row
  // every row's uniforms, whichever rows are computed: rng moves on as for the whole call
  std::vector<double> u(n * S);
  for (auto& x : u) x = rng.uniform_double();
  const size_t m = row_end - row_begin;
  IntTensor seqs = IntTensor::from_shape({m, T});
  const float* Emb = embedding.weight.value().data();
  const float* Wi = lstm.cell.w_ih.value().data();
  const float* Wh = lstm.cell.w_hh.value().data();
  const float* bg = lstm.cell.b.value().data();
  const float* Wo = out.weight.value().data();
  const float* bo = out.bias.value().data();
  // Sequences are independent and their uniforms are drawn above, so splitting them across
  // threads does not change what is sampled.
  parallel_for(m, [&](size_t s_begin, size_t s_end, size_t) {
    const size_t chunk = 64;
    std::vector<float> x(chunk * E), h(chunk * H), c(chunk * H), gates(chunk * G),
        logits(chunk * V), scratch(V);
    std::vector<double> uc(chunk);
    std::vector<int32_t> tok(chunk);
    for (size_t b0 = s_begin; b0 < s_end; b0 += chunk) {
      const size_t nb = std::min(chunk, s_end - b0);
      std::fill(h.begin(), h.end(), 0.f);
      std::fill(c.begin(), c.end(), 0.f);
      std::fill(tok.begin(), tok.end(), cfg.start_token);
      for (size_t t = 0; t < T; ++t) {
        for (size_t b = 0; b < nb; ++b)
          std::memcpy(x.data() + b * E, Emb + size_t(tok[b]) * E, E * sizeof(float));
        for (size_t b = 0; b < nb; ++b) std::memcpy(gates.data() + b * G, bg, G * sizeof(float));
        cell_step(nb, E, H, x.data(), Wi, Wh, h.data(), c.data(), gates.data());
        if (t < given) {  // teacher-forced: the next input is the given token
          for (size_t b = 0; b < nb; ++b) tok[b] = seqs(b0 + b, t) = (*prefix)(row_begin + b0 + b, t);
          continue;
        }
        kernels::sgemm(false, false, nb, V, H, 1.f, h.data(), H, Wo, V, 0.f, logits.data(), V);
        for (size_t b = 0; b < nb; ++b) uc[b] = u[(row_begin + b0 + b) * S + (t - given)];
        kernels::sample_rows(logits.data(), bo, nb, V, temperature, uc.data(), tok.data(),
                             scratch.data());
        for (size_t b = 0; b < nb; ++b) seqs(b0 + b, t) = tok[b];
      }
    }
  });
  return seqs;
}

void LSTMGenerator::load_seqgan_npy(const std::string& dir) {
  const size_t V = cfg.vocab, E = cfg.emb, H = cfg.hidden;
  auto load = [&](const char* file, const Shape& shape) {
    Tensor t = load_npy(dir + "/" + file);
    if (shape_of(t) != shape)
      throw ShapeError(std::string("SeqGAN oracle file '") + dir + "/" + file + "' has shape " +
                       shape_str(t.shape()) + ", this generator needs " + shape_str(shape));
    return t;
  };
  Tensor emb = load("00_g_embeddings.npy", {V, E});
  // Gate blocks in our (i, f, o, g) layout: SeqGAN's (Wi, Wf, Wog, Wc), (Ui, ...), (bi, ...).
  const char* w_files[4] = {"01_Wi.npy", "04_Wf.npy", "07_Wog.npy", "10_Wc.npy"};
  const char* u_files[4] = {"02_Ui.npy", "05_Uf.npy", "08_Uog.npy", "11_Uc.npy"};
  const char* b_files[4] = {"03_bi.npy", "06_bf.npy", "09_bog.npy", "12_bc.npy"};
  Tensor w_ih = Tensor::from_shape({E, 4 * H}), w_hh = Tensor::from_shape({H, 4 * H}),
         b = Tensor::from_shape({4 * H});
  for (size_t k = 0; k < 4; ++k) {
    Tensor w = load(w_files[k], {E, H}), u = load(u_files[k], {H, H}), bb = load(b_files[k], {H});
    for (size_t r = 0; r < E; ++r)
      for (size_t j = 0; j < H; ++j) w_ih(r, k * H + j) = w(r, j);
    for (size_t r = 0; r < H; ++r)
      for (size_t j = 0; j < H; ++j) w_hh(r, k * H + j) = u(r, j);
    for (size_t j = 0; j < H; ++j) b(k * H + j) = bb(j);
  }
  Tensor wo = load("13_Wo.npy", {H, V}), bo = load("14_bo.npy", {V});
  embedding.weight.value() = std::move(emb);
  lstm.cell.w_ih.value() = std::move(w_ih);
  lstm.cell.w_hh.value() = std::move(w_hh);
  lstm.cell.b.value() = std::move(b);
  out.weight.value() = std::move(wo);
  out.bias.value() = std::move(bo);
}

}  // namespace seqrl::nets
