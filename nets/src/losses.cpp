// Losses: forward and backward side by side. cross_entropy and linear_cross_entropy compute the
// gradient of the logits during the forward pass (it costs one multiply per element once the
// softmax is there) and keep it for backward, so log-softmax + NLL + gradient are one pass.
#include "seqrl/nets/losses.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "op_util.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/nets/parallel.hpp"

namespace seqrl::nets {

using detail::grad_target;
using detail::needs;
using detail::parent;
using detail::require;

namespace {
Tensor scalar(double v) {
  Tensor r = Tensor::from_shape({});
  r() = static_cast<float>(v);
  return r;
}

// Checks targets/mask against the logits' leading shape; returns the mask's sum (or the count).
double check_targets(const char* op, const Shape& lead, const IntTensor& targets,
                     const Tensor& mask) {
  require(Shape(targets.shape().begin(), targets.shape().end()) == lead,
          std::string(op) + ": targets of shape " + shape_str(targets.shape()) +
              " do not match the logits' leading shape " + shape_str(lead));
  if (mask.dimension() == 0) return static_cast<double>(targets.size());  // no mask
  require(mask.shape() == targets.shape(), std::string(op) + ": mask of shape " +
                                               shape_str(mask.shape()) +
                                               " differs from the targets' shape " +
                                               shape_str(targets.shape()));
  double c = 0.0;
  for (float m : mask) c += m;
  return c;
}
}  // namespace

Var cross_entropy(const Var& logits, const IntTensor& targets, const Tensor& mask) {
  require(logits.ndim() >= 1, "cross_entropy: logits need a class axis");
  Shape lead = logits.shape();
  const size_t C = lead.back();
  lead.pop_back();
  const double count = check_targets("cross_entropy", lead, targets, mask);
  const size_t n = targets.size();
  const float inv = count > 0 ? static_cast<float>(1.0 / count) : 0.f;
  auto dlogits = std::make_shared<Tensor>(empty(logits.shape()));
  const double total =
      kernels::softmax_xent_rows(logits.value().data(), nullptr, n, C, targets.data(),
                                 mask.dimension() ? mask.data() : nullptr, inv, dlogits->data(), nullptr);
  return make_result(scalar(total * inv), {logits}, [dlogits](Node& self) {
    parent(self, 0).accumulate_raw(dlogits->data(), self.grad());
  });
}

Var linear_cross_entropy(const Var& x, const Var& w, const Var& b, const IntTensor& targets,
                         const Tensor& mask) {
  const Tensor& X = x.value();
  const Tensor& W = w.value();
  require(W.dimension() == 2 && X.dimension() >= 1 && X.shape().back() == W.shape()[0] &&
              b.size() == W.shape()[1],
          "linear_cross_entropy: x " + shape_str(X.shape()) + ", weight " + shape_str(W.shape()) +
              ", bias " + shape_str(b.shape()) + " do not fit x [..., in] W [in, out] b [out]");
  const size_t K = W.shape()[0], V = W.shape()[1], M = X.size() / K;
  Shape lead(X.shape().begin(), X.shape().end() - 1);
  const double count = check_targets("linear_cross_entropy", lead, targets, mask);
  const float inv = count > 0 ? static_cast<float>(1.0 / count) : 0.f;
  const float* weight = mask.dimension() ? mask.data() : nullptr;
  // Rows go through in blocks whose logits stay in L2: GEMM, the fused softmax/loss/gradient
  // pass (in place), then the block's share of dW and dx while the block is still hot. The
  // gradients (at upstream gradient 1) are small ([K,V], [V], [M,K]) and are kept for backward;
  // the [M, V] logits never exist as a whole. Row ranges run in parallel (parallel.hpp); the
  // per-range partial sums of dW, db and the loss are added in range order (deterministic).
  const bool grad = grad_enabled() && (x.requires_grad() || w.requires_grad() || b.requires_grad());
  const bool gx = grad && x.requires_grad(), gw = grad && w.requires_grad();
  const bool gb = grad && b.requires_grad();
  auto dX = std::make_shared<Tensor>(gx ? empty({M, K}) : Tensor());
  auto dW = std::make_shared<Tensor>(gw ? Tensor(xt::zeros<float>({K, V})) : Tensor());
  auto db = std::make_shared<std::vector<float>>(gb ? V : 0, 0.f);
  const size_t parts = std::max<size_t>(1, std::min<size_t>(num_threads(), M));
  std::vector<double> totals(parts, 0.0);
  std::vector<Tensor> dW_part(parts);
  std::vector<std::vector<float>> db_part(parts);
  parallel_for(M, [&](size_t r_begin, size_t r_end, size_t part) {
    constexpr size_t kBlock = 64;
    thread_local std::vector<float> logits;
    logits.resize(kBlock * V);
    float* dw = nullptr;
    float* dbias = nullptr;
    if (gw) dw = part == 0 ? dW->data() : (dW_part[part] = xt::zeros<float>({K, V})).data();
    if (gb) dbias = part == 0 ? db->data() : (db_part[part].assign(V, 0.f), db_part[part].data());
    double t = 0.0;
    for (size_t r0 = r_begin; r0 < r_end; r0 += kBlock) {
      const size_t nb = std::min(kBlock, r_end - r0);
      const float* Xb = X.data() + r0 * K;
      kernels::sgemm(false, false, nb, V, K, 1.f, Xb, K, W.data(), V, 0.f, logits.data(), V);
      t += kernels::softmax_xent_rows(logits.data(), b.value().data(), nb, V, targets.data() + r0,
                                      weight ? weight + r0 : nullptr, inv, logits.data(), dbias);
      if (gw) kernels::sgemm(true, false, K, V, nb, 1.f, Xb, K, logits.data(), V, 1.f, dw, V);
      if (gx)
        kernels::sgemm(false, true, nb, K, V, 1.f, logits.data(), V, W.data(), V, 0.f,
                       dX->data() + r0 * K, K);
    }
    totals[part] = t;
  });
  double total = 0.0;
  for (size_t p = 0; p < parts; ++p) {
    total += totals[p];
    if (p == 0) continue;
    if (gw && dW_part[p].dimension() == 2) *dW += dW_part[p];
    if (gb && !db_part[p].empty())
      for (size_t j = 0; j < V; ++j) (*db)[j] += db_part[p][j];
  }
  return make_result(scalar(total * inv), {x, w, b}, [=](Node& self) {
    const float g = self.grad();
    if (needs(self, 0)) parent(self, 0).accumulate_raw(dX->data(), g);
    if (needs(self, 1)) parent(self, 1).accumulate_raw(dW->data(), g);
    if (needs(self, 2)) parent(self, 2).accumulate_raw(db->data(), g);
  });
}

Var bce_with_logits(const Var& logits, const Tensor& targets) {
  require(logits.value().shape() == targets.shape(),
          "bce_with_logits: logits " + shape_str(logits.shape()) + " vs targets " +
              shape_str(targets.shape()));
  const Tensor& x = logits.value();
  Tensor l = xt::maximum(x, 0.f) - x * targets + xt::log1p(xt::exp(-xt::abs(x)));
  double s = 0.0;
  for (float v : l) s += v;
  const float inv = x.size() ? 1.f / x.size() : 0.f;
  auto t = std::make_shared<Tensor>(targets);
  return make_result(scalar(s * inv), {logits}, [t, inv](Node& self) {
    const Tensor& xv = parent(self, 0).value;
    Tensor g = (1.f / (1.f + xt::exp(-xv)) - *t) * (self.grad() * inv);
    parent(self, 0).accumulate(std::move(g));
  });
}

Var mse(const Var& pred, const Tensor& target) {
  require(pred.value().shape() == target.shape(), "mse: pred " + shape_str(pred.shape()) +
                                                      " vs target " + shape_str(target.shape()));
  Tensor diff = pred.value() - target;
  double s = 0.0;
  for (float v : diff) s += double(v) * v;
  const float inv = diff.size() ? 1.f / diff.size() : 0.f;
  auto d = std::make_shared<Tensor>(std::move(diff));
  return make_result(scalar(s * inv), {pred}, [d, inv](Node& self) {
    parent(self, 0).accumulate_raw(d->data(), 2.f * inv * self.grad());
  });
}

Var huber(const Var& pred, const Tensor& target, float delta) {
  require(pred.value().shape() == target.shape(), "huber: pred " + shape_str(pred.shape()) +
                                                      " vs target " + shape_str(target.shape()));
  if (!(delta > 0.f)) throw ValueError("huber: delta must be > 0, got " + std::to_string(delta));
  auto diff = std::make_shared<Tensor>(pred.value() - target);
  double s = 0.0;
  for (float v : *diff) {
    const float a = std::fabs(v);
    s += a <= delta ? 0.5 * double(v) * v : delta * (a - 0.5 * delta);
  }
  const float inv = diff->size() ? 1.f / diff->size() : 0.f;
  return make_result(scalar(s * inv), {pred}, [diff, inv, delta](Node& self) {
    float* d = parent(self, 0).grad_buffer().data();
    const float g = self.grad() * inv;
    for (size_t i = 0; i < diff->size(); ++i)
      d[i] += g * std::clamp(diff->data()[i], -delta, delta);
  });
}

Var kl_normal(const Var& mu, const Var& logvar) {
  require(mu.shape() == logvar.shape() && mu.ndim() >= 1,
          "kl_normal: mu " + shape_str(mu.shape()) + " and logvar " + shape_str(logvar.shape()) +
              " must have one shape with a latent axis");
  const size_t rows = mu.size() / mu.shape().back();
  const Tensor& m = mu.value();
  const Tensor& lv = logvar.value();
  double s = 0.0;
  for (size_t i = 0; i < m.size(); ++i)
    s += -0.5 * (1.0 + lv.data()[i] - double(m.data()[i]) * m.data()[i] - std::exp(lv.data()[i]));
  const float inv = rows ? 1.f / rows : 0.f;
  return make_result(scalar(s * inv), {mu, logvar}, [inv](Node& self) {
    const float g = self.grad() * inv;
    const Tensor& mv = parent(self, 0).value;
    const Tensor& lvv = parent(self, 1).value;
    if (needs(self, 0)) {
      Tensor d = mv * g;  // d/dmu = mu
      parent(self, 0).accumulate(std::move(d));
    }
    if (needs(self, 1)) {
      Tensor d = 0.5f * (xt::exp(lvv) - 1.f) * g;  // d/dlogvar = (e^lv - 1) / 2
      parent(self, 1).accumulate(std::move(d));
    }
  });
}

}  // namespace seqrl::nets
