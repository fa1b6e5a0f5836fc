// LeakGAN's generator and the incremental leaked features. See leakgan.hpp.
#include "seqrl/nets/models/leakgan.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "seqrl/nets/init.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::nets {

// ---- the leak ---------------------------------------------------------------------------------

LeakStream::LeakStream(const Discriminator& d, size_t n) : d_(d), n_(n) {
  const auto& c = d.cfg;
  const size_t E = c.emb;
  for (size_t k = 0; k < d.convs.size(); ++k) offset_.push_back(width_), width_ += c.filter_sizes[k] * c.num_filters[k];
  wcat_.assign(E * width_, 0.f);
  for (size_t k = 0; k < d.convs.size(); ++k) {
    const size_t K = c.filter_sizes[k], nf = c.num_filters[k];
    const float* w = d.convs[k]->weight.value().data();  // [K, E, nf]
    for (size_t j = 0; j < K; ++j)
      for (size_t e = 0; e < E; ++e)
        std::copy(w + (j * E + e) * nf, w + (j * E + e + 1) * nf, wcat_.data() + e * width_ + offset_[k] + j * nf);
    max_.emplace_back(n * nf, -std::numeric_limits<float>::infinity());
    part_.emplace_back(K * n * nf, 0.f);
  }
  if (d.leak_pad.empty()) return;
  if (d.leak_pad.size() != E)
    throw ShapeError("LeakStream: D's leak_pad has " + std::to_string(d.leak_pad.size()) + " values, expected " +
                     std::to_string(E) + " (D's embedding width)");
  std::vector<float> prod(width_);  // leak_pad . W for every filter and offset
  kernels::sgemm(false, false, 1, width_, E, 1.f, d.leak_pad.data(), E, wcat_.data(), width_, 0.f, prod.data(), width_);
  for (size_t k = 0; k < d.convs.size(); ++k) {
    const size_t K = c.filter_sizes[k], nf = c.num_filters[k];
    std::vector<float> suf((K + 1) * nf, 0.f);
    for (size_t j = K; j-- > 0;)
      for (size_t f = 0; f < nf; ++f) suf[j * nf + f] = suf[(j + 1) * nf + f] + prod[offset_[k] + j * nf + f];
    pad_suffix_.push_back(std::move(suf));
  }
}

void LeakStream::feed(const int32_t* tokens) {
  const auto& c = d_.cfg;
  const size_t E = c.emb, T = c.seq_len;
  if (t_ >= T) throw ValueError("LeakStream: the prefixes are already " + std::to_string(T) + " tokens long");
  std::vector<float> x(n_ * E), prod(n_ * width_);
  const float* emb = d_.embedding.weight.value().data();
  for (size_t i = 0; i < n_; ++i) {
    if (tokens[i] < 0 || size_t(tokens[i]) >= c.vocab)
      throw ValueError("LeakStream: token " + std::to_string(tokens[i]) + " outside the vocabulary of " +
                       std::to_string(c.vocab));
    std::memcpy(x.data() + i * E, emb + size_t(tokens[i]) * E, E * sizeof(float));
  }
  kernels::sgemm(false, false, n_, width_, E, 1.f, x.data(), E, wcat_.data(), width_, 0.f, prod.data(), width_);
  for (size_t k = 0; k < d_.convs.size(); ++k) {
    const size_t K = c.filter_sizes[k], nf = c.num_filters[k];
    const float* bias = d_.convs[k]->bias.value().data();
    // the new token is offset j of the window starting at p = t - j
    for (size_t j = 0; j < K && j <= t_; ++j) {
      const size_t p = t_ - j;
      if (p + K > T) continue;  // no window starts there
      float* s = part_[k].data() + (p % K) * n_ * nf;
      for (size_t i = 0; i < n_; ++i) {
        const float* pr = prod.data() + i * width_ + offset_[k] + j * nf;
        float* si = s + i * nf;
        if (j == 0)
          for (size_t f = 0; f < nf; ++f) si[f] = bias[f] + pr[f];
        else
          for (size_t f = 0; f < nf; ++f) si[f] += pr[f];
        if (j == K - 1) {  // complete: it joins the running max
          float* m = max_[k].data() + i * nf;
          for (size_t f = 0; f < nf; ++f) m[f] = std::max(m[f], si[f]);
        }
      }
    }
  }
  ++t_;
}

void LeakStream::pooled(float* out) const {
  const auto& c = d_.cfg;
  const size_t T = c.seq_len, F = d_.features();
  for (size_t i = 0; i < n_; ++i) {
    float* o = out + i * F;
    for (size_t k = 0; k < d_.convs.size(); ++k) {
      const size_t K = c.filter_sizes[k], nf = c.num_filters[k];
      const float* m = max_[k].data() + i * nf;
      std::copy(m, m + nf, o);
      const float* pad = pad_suffix_.empty() ? nullptr : pad_suffix_[k].data();
      // windows partly filled: they start at p in [t-K+1, t-1] (and must exist: p + K <= T);
      // offsets t-p.. are padding
      for (size_t p = t_ >= K ? t_ - K + 1 : 0; p < t_; ++p) {
        if (p + K > T) break;
        const float* s = part_[k].data() + (p % K) * n_ * nf + i * nf;
        if (pad) {
          const float* ps = pad + (t_ - p) * nf;
          for (size_t f = 0; f < nf; ++f) o[f] = std::max(o[f], s[f] + ps[f]);
        } else {
          for (size_t f = 0; f < nf; ++f) o[f] = std::max(o[f], s[f]);
        }
      }
      if (t_ + K <= T) {  // windows entirely over padding: the bias (plus every offset's pad term)
        const float* b = d_.convs[k]->bias.value().data();
        if (pad)
          for (size_t f = 0; f < nf; ++f) o[f] = std::max(o[f], b[f] + pad[f]);
        else
          for (size_t f = 0; f < nf; ++f) o[f] = std::max(o[f], b[f]);
      }
      for (size_t f = 0; f < nf; ++f) o[f] = std::max(o[f], 0.f);  // ReLU after the max: the same
      o += nf;
    }
  }
}

void highway_rows(const Discriminator& d, const float* x, size_t m, float* y) {
  const size_t F = d.features();
  const Linear& g = d.highway->gate;
  const Linear& h = d.highway->transform;
  std::vector<float> gate(m * F), tr(m * F);
  for (size_t i = 0; i < m; ++i) {
    std::memcpy(gate.data() + i * F, g.bias.value().data(), F * sizeof(float));
    std::memcpy(tr.data() + i * F, h.bias.value().data(), F * sizeof(float));
  }
  kernels::sgemm(false, false, m, F, F, 1.f, x, F, g.weight.value().data(), F, 1.f, gate.data(), F);
  kernels::sgemm(false, false, m, F, F, 1.f, x, F, h.weight.value().data(), F, 1.f, tr.data(), F);
  kernels::vsigmoid(gate.data(), gate.data(), m * F);
  for (size_t i = 0; i < m * F; ++i) {
    const float t = gate[i], r = std::max(tr[i], 0.f);
    y[i] = t * r + (1.f - t) * x[i];
  }
}

Tensor leaked_features(const Discriminator& d, const IntTensor& seqs) {
  const size_t T = d.cfg.seq_len, F = d.features();
  if (seqs.dimension() != 2 || seqs.shape()[1] != T)
    throw ShapeError("leaked_features: sequences " + shape_str(seqs.shape()) + ", expected [B, " + std::to_string(T) + "]");
  const size_t B = seqs.shape()[0];
  Tensor pooled = Tensor::from_shape({B, T + 1, F});
  LeakStream s(d, B);
  std::vector<float> row(B * F);
  std::vector<int32_t> tok(B);
  for (size_t t = 0; t <= T; ++t) {
    s.pooled(row.data());
    for (size_t b = 0; b < B; ++b) std::memcpy(pooled.data() + (b * (T + 1) + t) * F, row.data() + b * F, F * sizeof(float));
    if (t == T) break;
    for (size_t b = 0; b < B; ++b) tok[b] = seqs(b, t);
    s.feed(tok.data());
  }
  Tensor f = Tensor::from_shape({B, T + 1, F});
  highway_rows(d, pooled.data(), B * (T + 1), f.data());
  return f;
}

// ---- the generator ----------------------------------------------------------------------------

LeakGANGenerator::LeakGANGenerator(const LeakGANGeneratorConfig& c, size_t f, Rng& rng)
    : cfg(c),
      features(f),
      manager(f, c.hidden, rng),
      goal_out(c.hidden, f, rng),
      embedding(c.vocab, c.emb, rng),
      worker(c.emb, c.hidden, rng),
      w_psi(f, c.goal_size, rng, false),
      out((c.hidden + 1) * c.goal_size, c.vocab, rng, false) {
  if (c.start_token < 0 || size_t(c.start_token) >= c.vocab) throw ValueError("LeakGANGenerator: start_token outside the vocabulary");
  if (c.goal_window != "sliding" && c.goal_window != "block")
    throw ValueError("LeakGANGenerator: goal_window must be sliding or block, got '" + c.goal_window + "'");
  if (c.step_size == 0 || c.goal_size == 0) throw ValueError("LeakGANGenerator: step_size and goal_size must be positive");
  register_module("manager", manager);
  register_module("goal_out", goal_out);
  register_module("embedding", embedding);
  register_module("worker", worker);
  register_module("w_psi", w_psi);
  register_module("out", out);
  if (c.init_std > 0.f)
    for (auto& [name, p] : named_parameters())
      for (auto& v : p.value()) v = static_cast<float>(rng.normal() * c.init_std);
  goal_init = Tensor::from_shape({f});
  double norm = 0;
  for (auto& v : goal_init) v = static_cast<float>(rng.normal()), norm += double(v) * v;
  for (auto& v : goal_init) v = static_cast<float>(v / std::sqrt(norm));
  if (c.goal_init_slots)  // (after the draws above, which stay as they were)
    goal_init_slots = register_parameter("goal_init_slots", init::truncated_normal({c.goal_init_slots, f}, rng, 0.1f));
}

const float* LeakGANGenerator::goal_init_row(size_t r) const {
  return cfg.goal_init_slots ? goal_init_slots.value().data() + (r % cfg.goal_init_slots) * features : goal_init.data();
}

std::vector<std::pair<std::string, Var>> LeakGANGenerator::manager_parameters() const {
  std::vector<std::pair<std::string, Var>> p;
  for (auto& [n, v] : named_parameters())
    if (n.rfind("manager.", 0) == 0 || n.rfind("goal_out.", 0) == 0 || n == "goal_init_slots") p.emplace_back(n, v);
  return p;
}

std::vector<std::pair<std::string, Var>> LeakGANGenerator::worker_parameters() const {
  std::vector<std::pair<std::string, Var>> p;
  for (auto& [n, v] : named_parameters())
    if (n.rfind("manager.", 0) != 0 && n.rfind("goal_out.", 0) != 0 && n != "goal_init_slots") p.emplace_back(n, v);
  return p;
}

Var LeakGANGenerator::goals(const Tensor& f) const {
  const size_t B = f.shape()[0], T = cfg.seq_len, F = features;
  if (f.dimension() != 3 || f.shape()[1] != T + 1 || f.shape()[2] != F)
    throw ShapeError("LeakGANGenerator::goals: features " + shape_str(f.shape()) + ", expected [B, " +
                     std::to_string(T + 1) + ", " + std::to_string(F) + "]");
  Tensor in = Tensor::from_shape({B, T, F});
  for (size_t b = 0; b < B; ++b) std::memcpy(in.data() + b * T * F, f.data() + b * (T + 1) * F, T * F * sizeof(float));
  Var h = manager.forward(Var(std::move(in))).out;  // [B, T, H]
  return l2_normalize(goal_out.forward(h));
}

namespace {
// The goals summed for position t, g_j for j in [first, last) (j < 0: goal_init): the c before t
// (sliding) or before t's block (block); scored with score_goal_shift, one later wherever the sum
// has a goal before it (g_last is then of the prefix before t: no peeking). Sampling (run) and
// scoring (goal_sums) both read it, so the two differ by that shift alone.
std::pair<long, long> goal_range(const LeakGANGeneratorConfig& cfg, size_t t, bool scoring) {
  const long end = cfg.goal_window == "sliding" ? long(t) : long(t / cfg.step_size * cfg.step_size);
  const long shift = scoring && cfg.score_goal_shift && end > 0 ? 1 : 0;
  return {end - long(cfg.step_size) + shift, end + shift};
}
}  // namespace

Tensor LeakGANGenerator::goal_sums(const Tensor& g) const {
  const size_t B = g.shape()[0], T = g.shape()[1], F = g.shape()[2];
  Tensor G = Tensor::from_shape({B, T, F});
  std::fill(G.begin(), G.end(), 0.f);
  for (size_t b = 0; b < B; ++b)
    for (size_t t = 0; t < T; ++t) {
      const auto [first, last] = goal_range(cfg, t, true);
      float* o = G.data() + (b * T + t) * F;
      for (long j = first; j < last; ++j) {
        const float* src = j < 0 ? goal_init_row(b) : g.data() + (b * T + size_t(j)) * F;
        for (size_t i = 0; i < F; ++i) o[i] += src[i];
      }
    }
  return G;
}

Var LeakGANGenerator::goal_sums_at(const Var& g, const std::vector<size_t>& ts) const {
  const size_t B = g.dim(0), F = g.dim(2);
  std::vector<Var> out;
  for (size_t t : ts) {
    const auto [first, last] = goal_range(cfg, t, true);
    Var s;
    if (last > 0) s = sum(slice(g, 1, size_t(std::max(first, 0L)), size_t(last)), {1}, true);  // [B, 1, F]
    if (first < 0) {
      const float n = float(std::min(last, 0L) - first);  // goals before the first: goal_init each
      Var gi;
      if (cfg.goal_init_slots) {  // row b's slot, differentiable
        IntTensor slot = IntTensor::from_shape({B, 1});
        for (size_t b = 0; b < B; ++b) slot(b, 0) = int32_t(b % cfg.goal_init_slots);
        gi = scale(::seqrl::nets::embedding(goal_init_slots, slot), n);  // [B, 1, F]
      } else {
        Tensor c = Tensor::from_shape({B, 1, F});
        for (size_t b = 0; b < B; ++b)
          for (size_t i = 0; i < F; ++i) c(b, 0, i) = n * goal_init(i);
        gi = Var(std::move(c));
      }
      s = s.defined() ? add(s, gi) : gi;
    }
    out.push_back(s);
  }
  return concat(out, 1);
}

Var LeakGANGenerator::worker_features(const IntTensor& seqs, const Tensor& G) const {
  const size_t B = seqs.shape()[0], T = cfg.seq_len, H = cfg.hidden, k = cfg.goal_size;
  IntTensor in = IntTensor::from_shape({B, T});
  for (size_t b = 0; b < B; ++b) {
    in(b, 0) = cfg.start_token;
    for (size_t t = 1; t < T; ++t) in(b, t) = seqs(b, t - 1);
  }
  Var h = reshape(worker.forward(embedding.forward(in)).out, {B * T, H, 1});
  Var w = w_psi.forward(Var(G));  // [B, T, k]
  if (cfg.normalize_w) w = l2_normalize(w);
  w = reshape(w, {B * T, k});
  Var z = reshape(mul(h, reshape(w, {B * T, 1, k})), {B * T, H * k});
  return concat({z, w}, 1);
}

Var LeakGANGenerator::token_nll(const Var& u, const IntTensor& seqs, const Tensor& weight) const {
  const size_t n = seqs.size();
  IntTensor y = seqs;
  y.reshape({n});
  const Var zero(Tensor(xt::zeros<float>({cfg.vocab})));
  if (!weight.dimension()) return linear_cross_entropy(u, out.weight, zero, y);
  Tensor w = weight;
  w.reshape({n});
  // the mean over a non-negative mask times its sum is the weighted sum: positive and negative
  // weights each go through once
  Tensor pos = xt::maximum(w, 0.f), neg = xt::maximum(-w, 0.f);
  double sp = 0, sn = 0;
  for (float v : pos) sp += v;
  for (float v : neg) sn += v;
  Var total;
  if (sp > 0) total = scale(linear_cross_entropy(u, out.weight, zero, y, pos), float(sp));
  if (sn > 0) {
    Var ng = scale(linear_cross_entropy(u, out.weight, zero, y, neg), float(-sn));
    total = total.defined() ? add(total, ng) : ng;
  }
  if (!total.defined()) total = scale(linear_cross_entropy(u, out.weight, zero, y), 0.f);
  return total;
}

IntTensor LeakGANGenerator::run(const Discriminator& d, const IntTensor* prefix, size_t given, size_t n, Rng* rng,
                                float temperature, long stop_after, Tensor* logits_out, size_t row_begin,
                                size_t row_end) const {
  NoGrad ng;
  const size_t T = cfg.seq_len, V = cfg.vocab, F = features, H = cfg.hidden, k = cfg.goal_size;
  if (d.features() != F || d.cfg.seq_len != T)
    throw ShapeError("LeakGANGenerator: the discriminator has " + std::to_string(d.features()) + " features for length " +
                     std::to_string(d.cfg.seq_len) + "; the generator expects " + std::to_string(F) + " and " + std::to_string(T));
  const size_t S = T - std::min(given, T);
  std::vector<double> u;
  if (rng) {
    u.resize(n * S);
    for (auto& x : u) x = rng->uniform_double();
  }
  IntTensor rows_prefix;
  const size_t row_base = row_begin;  // the call's row of this computation's first
  if (row_begin != 0 || row_end != n) {  // these rows of the whole call: their uniforms and prefixes
    if (row_begin > row_end || row_end > n)
      throw ShapeError("LeakGANGenerator: rows [" + std::to_string(row_begin) + ", " + std::to_string(row_end) +
                       ") of " + std::to_string(n));
    if (rng) u = std::vector<double>(u.begin() + long(row_begin * S), u.begin() + long(row_end * S));
    if (prefix) {
      rows_prefix = row_slice(*prefix, row_begin, row_end);
      prefix = &rows_prefix;
    }
    n = row_end - row_begin;
  }
  IntTensor seqs = IntTensor::from_shape({n, T});
  std::fill(seqs.begin(), seqs.end(), 0);
  LeakStream stream(d, n);
  std::vector<float> pooled(n * F), feat(n * F);
  LSTMState ms = manager.cell.zero_state(n), ws = worker.cell.zero_state(n);
  std::vector<Tensor> history;  // g_0, g_1, ... [n, F] each
  std::vector<int32_t> tok(n, cfg.start_token);
  std::vector<float> scratch(V);
  std::vector<double> uc(n);
  const float* Wo = out.weight.value().data();
  for (size_t t = 0; t < T; ++t) {
    // the manager reads f_t and emits g_t
    stream.pooled(pooled.data());
    highway_rows(d, pooled.data(), n, feat.data());
    Tensor ft = Tensor::from_shape({n, F});
    std::memcpy(ft.data(), feat.data(), n * F * sizeof(float));
    ms = manager.cell.forward(Var(std::move(ft)), ms);
    history.push_back(l2_normalize(goal_out.forward(ms.h)).value());
    // the goal sum of position t
    Tensor G = Tensor::from_shape({n, F});
    std::fill(G.begin(), G.end(), 0.f);
    const auto [first, last] = goal_range(cfg, t, false);
    for (long j = first; j < last; ++j)
      for (size_t b = 0; b < n; ++b) {
        const float* src = j < 0 ? goal_init_row(row_base + b) : history[size_t(j)].data() + b * F;
        float* o = G.data() + b * F;
        for (size_t i = 0; i < F; ++i) o[i] += src[i];
      }
    Var w = w_psi.forward(Var(std::move(G)));
    if (cfg.normalize_w) w = l2_normalize(w);
    // the worker reads the previous token
    IntTensor ids = IntTensor::from_shape({n});
    for (size_t b = 0; b < n; ++b) ids(b) = tok[b];
    ws = worker.cell.forward(embedding.forward(ids), ws);
    if (long(t) < long(given) && long(t) != stop_after) {
      for (size_t b = 0; b < n; ++b) tok[b] = seqs(b, t) = (*prefix)(b, t);
      stream.feed(tok.data());
      continue;
    }
    // u = [h (x) w, w]; logits = u W_out
    const size_t U = (H + 1) * k;
    std::vector<float> uu(n * U), logits(n * V);
    const float* h = ws.h.value().data();
    const float* wv = w.value().data();
    for (size_t b = 0; b < n; ++b) {
      float* ub = uu.data() + b * U;
      for (size_t i = 0; i < H; ++i)
        for (size_t j = 0; j < k; ++j) ub[i * k + j] = h[b * H + i] * wv[b * k + j];
      for (size_t j = 0; j < k; ++j) ub[H * k + j] = wv[b * k + j];
    }
    kernels::sgemm(false, false, n, V, U, 1.f, uu.data(), U, Wo, V, 0.f, logits.data(), V);
    if (long(t) == stop_after) {
      *logits_out = Tensor::from_shape({n, V});
      std::memcpy(logits_out->data(), logits.data(), n * V * sizeof(float));
      return seqs;
    }
    for (size_t b = 0; b < n; ++b) uc[b] = u[b * S + (t - given)];
    kernels::sample_rows(logits.data(), nullptr, n, V, temperature, uc.data(), tok.data(), scratch.data());
    for (size_t b = 0; b < n; ++b) seqs(b, t) = tok[b];
    if (t + 1 < T) stream.feed(tok.data());
  }
  return seqs;
}

IntTensor LeakGANGenerator::sample(const Discriminator& d, size_t n, Rng& rng, float temperature) const {
  return run(d, nullptr, 0, n, &rng, temperature, -1, nullptr, 0, n);
}

IntTensor LeakGANGenerator::sample_rows(const Discriminator& d, size_t n, Rng& rng, size_t begin, size_t end,
                                        float temperature) const {
  return run(d, nullptr, 0, n, &rng, temperature, -1, nullptr, begin, end);
}

IntTensor LeakGANGenerator::complete(const Discriminator& d, const IntTensor& prefix, size_t given, Rng& rng,
                                     float temperature) const {
  return complete_rows(d, prefix, given, rng, 0, prefix.dimension() == 2 ? prefix.shape()[0] : 0, temperature);
}

IntTensor LeakGANGenerator::complete_rows(const Discriminator& d, const IntTensor& prefix, size_t given, Rng& rng,
                                          size_t begin, size_t end, float temperature) const {
  if (prefix.dimension() != 2 || prefix.shape()[1] != cfg.seq_len || given > cfg.seq_len)
    throw ShapeError("LeakGANGenerator::complete: prefix " + shape_str(prefix.shape()) + " with " + std::to_string(given) +
                     " given tokens");
  return run(d, &prefix, given, prefix.shape()[0], &rng, temperature, -1, nullptr, begin, end);
}

Tensor LeakGANGenerator::next_logits(const Discriminator& d, const IntTensor& prefix, size_t given) const {
  if (prefix.dimension() != 2 || prefix.shape()[1] != cfg.seq_len || given >= cfg.seq_len)
    throw ShapeError("LeakGANGenerator::next_logits: prefix " + shape_str(prefix.shape()) + " with " +
                     std::to_string(given) + " given tokens");
  Tensor logits;
  run(d, &prefix, given, prefix.shape()[0], nullptr, 1.f, long(given), &logits, 0, prefix.shape()[0]);
  return logits;
}

Tensor LeakGANGenerator::log_probs(const Discriminator& d, const IntTensor& seqs, float temperature) const {
  NoGrad ng;
  const size_t B = seqs.shape()[0], T = cfg.seq_len, V = cfg.vocab, chunk = 64;
  Tensor lp = Tensor::from_shape({B, T});
  for (size_t b0 = 0; b0 < B; b0 += chunk) {
    const size_t nb = std::min(chunk, B - b0);
    IntTensor part = IntTensor::from_shape({nb, T});
    std::copy(seqs.data() + b0 * T, seqs.data() + (b0 + nb) * T, part.data());
    const Tensor f = leaked_features(d, part);
    const Tensor G = goal_sums(goals(f).value());
    const Var u = worker_features(part, G);
    const size_t U = u.dim(1);
    Tensor logits = Tensor::from_shape({nb * T, V});
    kernels::sgemm(false, false, nb * T, V, U, 1.f, u.value().data(), U, out.weight.value().data(), V, 0.f, logits.data(), V);
    if (temperature != 1.f)
      for (auto& v : logits) v /= temperature;
    kernels::log_softmax_rows(logits.data(), logits.data(), nb * T, V);
    for (size_t r = 0; r < nb * T; ++r) lp.data()[b0 * T + r] = logits.data()[r * V + part.data()[r]];
  }
  return lp;
}

}  // namespace seqrl::nets
