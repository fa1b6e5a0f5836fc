// The vector GAN and the 2-D mixtures. See models/gan.hpp.
#include "seqrl/nets/models/gan.hpp"

#include <cmath>
#include <limits>

#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/models/autoencoder.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::nets {

namespace {
std::vector<size_t> mlp_sizes(size_t in, size_t hidden, size_t layers, size_t out) {
  std::vector<size_t> s{in};
  for (size_t i = 0; i < layers; ++i) s.push_back(hidden);
  s.push_back(out);
  return s;
}
void check_config(const GanConfig& c) {
  if (c.g_loss != "nonsaturating" && c.g_loss != "saturating")
    throw ValueError("GAN: g_loss must be nonsaturating or saturating, got '" + c.g_loss + "'");
  if (c.d_steps == 0 || c.batch == 0 || c.data_dim == 0 || c.noise_dim == 0 || c.d_layers == 0)
    throw ValueError("GAN: d_steps, batch, data_dim, noise_dim and d_layers must be positive");
  if (c.d_dropout < 0.f || c.d_dropout >= 1.f)
    throw ValueError("GAN: d_dropout must be in [0, 1), got " + std::to_string(c.d_dropout));
}
const GanConfig& checked(const GanConfig& c) {
  check_config(c);
  return c;
}
}  // namespace

GanDiscriminator::GanDiscriminator(const GanConfig& c, Rng& rng)
    : dropout_p(c.d_dropout), dropout_rng(c.seed + 7) {
  const auto sizes = mlp_sizes(c.data_dim, c.d_hidden, c.d_layers, 1);
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    layers.push_back(std::make_unique<Linear>(sizes[i], sizes[i + 1], rng));
    register_module(std::to_string(i), *layers.back());
  }
}

Var GanDiscriminator::forward(const Var& x) { return forward_rows(x, 0, x.dim(0)); }

Var GanDiscriminator::forward_rows(const Var& x, size_t begin, size_t total) {
  Var h = x;
  for (size_t i = 0; i < layers.size(); ++i) {
    h = layers[i]->forward(h);
    if (i + 1 < layers.size()) {
      h = relu(h);
      if (dropout_p > 0.f) h = dropout_rows(h, dropout_p, training(), dropout_rng, begin, total);
    }
  }
  return h;
}

Var GanDiscriminator::input_gradient(const Tensor& x) const {
  const size_t B = x.shape()[0];
  // the ReLU masks of x's forward pass: constants (the derivative of a ReLU is a step)
  std::vector<Tensor> masks;
  {
    NoGrad ng;
    Var h(x);
    for (size_t i = 0; i + 1 < layers.size(); ++i) {
      Tensor a = layers[i]->forward(h).value();
      Tensor m = a;
      for (auto& v : m) v = v > 0.f ? 1.f : 0.f;
      masks.push_back(std::move(m));
      h = relu(Var(a));
    }
  }
  Tensor ones = Tensor::from_shape({B, 1});
  ones.fill(1.f);
  Var g(ones);
  for (size_t i = layers.size(); i-- > 0;) {
    g = matmul(g, layers[i]->weight, false, true);  // [B, out] x W^T -> [B, in]
    if (i > 0) g = g * Var(masks[i - 1]);
  }
  return g;
}

Gan::Gan(const GanConfig& c)
    : cfg(checked(c)),
      rng(c.seed),
      generator(mlp_sizes(c.noise_dim, c.g_hidden, c.g_layers, c.data_dim), rng),
      discriminator(c, rng),
      opt_g(generator.named_parameters(), c.lr_g, c.beta1, c.beta2),
      opt_d(discriminator.named_parameters(), c.lr_d, c.beta1, c.beta2, 1e-8f, c.d_l2) {}

namespace {
Tensor filled(size_t rows, float v) {
  Tensor t = Tensor::from_shape({rows, 1});
  t.fill(v);
  return t;
}
}  // namespace

GanStepStats Gan::d_step(const Tensor& real) {
  if (real.dimension() != 2 || real.shape()[1] != cfg.data_dim)
    throw ShapeError("GAN: real batch " + shape_str(shape_of(real)) + ", expected [B, " + std::to_string(cfg.data_dim) + "]");
  const size_t B = real.shape()[0];
  const Tensor noise = standard_normal({B, cfg.noise_dim}, rng);  // the whole batch's, on every rank
  // this rank's rows' figures, each weighted by its share of the batch (sums over ranks: the
  // global batch's): d_loss, penalty, d_real, d_fake
  double f[4] = {0, 0, 0, 0};
  opt_d.zero_grad();
  data_parallel_backward(B, opt_d.params(), [&](size_t b, size_t e) {
    const size_t n = e - b;
    const bool whole = n == B;
    const Tensor x = whole ? real : row_slice(real, b, e);
    Tensor fake;
    {
      NoGrad ng;
      fake = generator.forward(Var(whole ? noise : row_slice(noise, b, e))).value();
    }
    const Var lr = discriminator.forward_rows(Var(x), b, B), lf = discriminator.forward_rows(Var(fake), b, B);
    Var loss = bce_with_logits(lr, filled(n, 1.f)) + bce_with_logits(lf, filled(n, 0.f));
    const double share = double(n) / double(B);
    f[0] = loss.item() * share;
    if (cfg.grad_penalty > 0.f) {
      const Var pen = sum(square(discriminator.input_gradient(x))) * (0.5f * cfg.grad_penalty / float(n));
      f[1] = pen.item() * share;
      loss = loss + pen;
    }
    for (float v : lr.value()) f[2] += 1.0 / (1.0 + std::exp(-double(v))) / double(B);
    for (float v : lf.value()) f[3] += 1.0 / (1.0 + std::exp(-double(v))) / double(B);
    return loss;
  });
  if (dist::size() > 1) dist::allreduce_sum(f, 4);
  opt_d.step();
  GanStepStats s;
  s.d_loss = f[0], s.penalty = f[1], s.d_real = f[2], s.d_fake = f[3];
  return s;
}

double Gan::g_step() {
  const size_t B = cfg.batch;
  const Tensor noise = standard_normal({B, cfg.noise_dim}, rng);  // the whole batch's, on every rank
  opt_g.zero_grad();
  const double value = data_parallel_backward(B, opt_g.params(), [&](size_t b, size_t e) {
    const Var z(e - b == B ? noise : row_slice(noise, b, e));
    const Var logits = discriminator.forward_rows(generator.forward(z), b, B);
    if (cfg.g_loss == "saturating") return -mean(softplus(logits));  // E[log(1 - D(G(z)))], log(1 - sigmoid(l)) = -softplus(l)
    return bce_with_logits(logits, filled(e - b, 1.f));               // -E[log D(G(z))]
  });
  opt_g.step();
  return value;
}

Tensor Gan::sample(size_t n, Rng& r) const {
  return generator.infer(standard_normal({n, cfg.noise_dim}, r));
}

// ---- mixtures -----------------------------------------------------------------------------------

Tensor Mixture::sample(size_t n, Rng& r) const {
  Tensor x = Tensor::from_shape({n, 2});
  for (size_t i = 0; i < n; ++i) {
    const auto& c = centres[r.randint(centres.size())];
    x(i, 0) = c.first + r.normal(0.f, std);
    x(i, 1) = c.second + r.normal(0.f, std);
  }
  return x;
}

Mixture ring8() {
  Mixture m{"ring8", {}, 0.02f};
  for (int k = 0; k < 8; ++k) {
    const double a = 2.0 * M_PI * k / 8.0;
    m.centres.push_back({float(2.0 * std::cos(a)), float(2.0 * std::sin(a))});
  }
  return m;
}

Mixture grid25() {
  Mixture m{"grid25", {}, 0.05f};
  for (int i = -2; i <= 2; ++i)
    for (int j = -2; j <= 2; ++j) m.centres.push_back({2.f * i, 2.f * j});
  return m;
}

Mixture mixture_by_name(const std::string& name) {
  if (name == "ring8") return ring8();
  if (name == "grid25") return grid25();
  throw ValueError("unknown mixture '" + name + "' (known: ring8, grid25)");
}

ModeScore score_modes(const Mixture& m, const Tensor& x, size_t min_count) {
  if (x.dimension() != 2 || x.shape()[1] != 2)
    throw ShapeError("score_modes: samples " + shape_str(shape_of(x)) + ", expected [N, 2]");
  ModeScore s;
  s.per_mode.assign(m.centres.size(), 0);
  const size_t n = x.shape()[0];
  size_t good = 0;
  for (size_t i = 0; i < n; ++i) {
    double best = std::numeric_limits<double>::infinity();
    size_t arg = 0;
    for (size_t k = 0; k < m.centres.size(); ++k) {
      const double dx = x(i, 0) - m.centres[k].first, dy = x(i, 1) - m.centres[k].second;
      const double d = dx * dx + dy * dy;
      if (d < best) best = d, arg = k;
    }
    if (std::sqrt(best) <= 3.0 * m.std) ++good, ++s.per_mode[arg];
  }
  for (size_t c : s.per_mode) s.modes_covered += c >= min_count;
  s.high_quality = n ? double(good) / double(n) : 0.0;
  return s;
}

}  // namespace seqrl::nets
