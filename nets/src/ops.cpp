// Linear algebra, broadcasting element-wise ops, reductions and shape ops: forward and backward
// side by side. See ops.hpp for the list of places an op touches.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include <xtensor/xbroadcast.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>
#include <xtensor/xreducer.hpp>

#include "op_util.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::nets {

using detail::grad_target;
using detail::needs;
using detail::parent;
using detail::require;

// ================================ linear algebra ================================================

Var matmul(const Var& a, const Var& b, bool trans_a, bool trans_b) {
  const Tensor& A = a.value();
  const Tensor& B = b.value();
  require(B.dimension() == 2, "matmul: b must be 2-D, got shape " + shape_str(B.shape()));
  require(A.dimension() >= 1 && (!trans_a || A.dimension() == 2),
          "matmul: a must be 2-D with trans_a (or >= 1-D without), got shape " +
              shape_str(A.shape()));
  const size_t K = trans_a ? A.shape()[0] : A.shape().back();
  const size_t M = trans_a ? A.shape()[1] : (K ? A.size() / K : 0);
  const size_t Kb = trans_b ? B.shape()[1] : B.shape()[0];
  const size_t N = trans_b ? B.shape()[0] : B.shape()[1];
  require(K == Kb, "matmul: inner sizes differ: a " + shape_str(A.shape()) +
                       (trans_a ? "^T" : "") + " x b " + shape_str(B.shape()) +
                       (trans_b ? "^T" : "") + " (" + std::to_string(K) + " vs " +
                       std::to_string(Kb) + ")");
  Shape out_shape;
  if (trans_a) {
    out_shape = {M, N};
  } else {
    out_shape.assign(A.shape().begin(), A.shape().end());
    out_shape.back() = N;
  }
  Tensor C = empty(out_shape);
  const size_t lda = A.dimension() == 2 ? A.shape()[1] : K, ldb = B.shape()[1];
  kernels::sgemm(trans_a, trans_b, M, N, K, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(), N);
  return make_result(std::move(C), {a, b}, [=](Node& self) {
    const float* G = self.grad.data();
    const float* Av = parent(self, 0).value.data();
    const float* Bv = parent(self, 1).value.data();
    float beta;
    if (needs(self, 0)) {
      float* dA = grad_target(parent(self, 0), beta);
      if (!trans_a)  // dA = G op(B)^T
        kernels::sgemm(false, !trans_b, M, K, N, 1.f, G, N, Bv, ldb, beta, dA, K);
      else  // dA (stored [K,M]) = op(B) G^T
        kernels::sgemm(trans_b, true, K, M, N, 1.f, Bv, ldb, G, N, beta, dA, M);
    }
    if (needs(self, 1)) {
      float* dB = grad_target(parent(self, 1), beta);
      if (!trans_b)  // dB = op(A)^T G
        kernels::sgemm(!trans_a, false, K, N, M, 1.f, Av, lda, G, N, beta, dB, N);
      else  // dB (stored [N,K]) = G^T op(A)
        kernels::sgemm(true, trans_a, N, K, M, 1.f, G, N, Av, lda, beta, dB, K);
    }
  });
}

Var bmm(const Var& a, const Var& b, bool trans_a, bool trans_b) {
  const Tensor& A = a.value();
  const Tensor& B = b.value();
  require(A.dimension() == 3 && B.dimension() == 3 && A.shape()[0] == B.shape()[0],
          "bmm: needs a [B,M,K] and b [B,K,N] with equal B, got " + shape_str(A.shape()) +
              " and " + shape_str(B.shape()));
  const size_t nb = A.shape()[0];
  const size_t M = trans_a ? A.shape()[2] : A.shape()[1];
  const size_t K = trans_a ? A.shape()[1] : A.shape()[2];
  const size_t Kb = trans_b ? B.shape()[2] : B.shape()[1];
  const size_t N = trans_b ? B.shape()[1] : B.shape()[2];
  require(K == Kb, "bmm: inner sizes differ: " + shape_str(A.shape()) + (trans_a ? "^T" : "") +
                       " x " + shape_str(B.shape()) + (trans_b ? "^T" : ""));
  const size_t lda = A.shape()[2], ldb = B.shape()[2], sa = M * K, sb = K * N, sc = M * N;
  Tensor C = empty({nb, M, N});
  for (size_t i = 0; i < nb; ++i)
    kernels::sgemm(trans_a, trans_b, M, N, K, 1.f, A.data() + i * sa, lda, B.data() + i * sb, ldb,
                   0.f, C.data() + i * sc, N);
  return make_result(std::move(C), {a, b}, [=](Node& self) {
    const float* G = self.grad.data();
    const float* Av = parent(self, 0).value.data();
    const float* Bv = parent(self, 1).value.data();
    float beta;
    if (needs(self, 0)) {
      float* dA = grad_target(parent(self, 0), beta);
      for (size_t i = 0; i < nb; ++i) {
        if (!trans_a)
          kernels::sgemm(false, !trans_b, M, K, N, 1.f, G + i * sc, N, Bv + i * sb, ldb, beta,
                         dA + i * sa, K);
        else
          kernels::sgemm(trans_b, true, K, M, N, 1.f, Bv + i * sb, ldb, G + i * sc, N, beta,
                         dA + i * sa, M);
      }
    }
    if (needs(self, 1)) {
      float* dB = grad_target(parent(self, 1), beta);
      for (size_t i = 0; i < nb; ++i) {
        if (!trans_b)
          kernels::sgemm(!trans_a, false, K, N, M, 1.f, Av + i * sa, lda, G + i * sc, N, beta,
                         dB + i * sb, N);
        else
          kernels::sgemm(true, trans_a, N, K, M, 1.f, G + i * sc, N, Av + i * sa, lda, beta,
                         dB + i * sb, K);
      }
    }
  });
}

Var linear(const Var& x, const Var& w, const Var& b) {
  const Tensor& X = x.value();
  const Tensor& W = w.value();
  const Tensor& Bv = b.value();
  require(W.dimension() == 2 && X.dimension() >= 1 && X.shape().back() == W.shape()[0] &&
              Bv.size() == W.shape()[1],
          "linear: x " + shape_str(X.shape()) + ", weight " + shape_str(W.shape()) + ", bias " +
              shape_str(Bv.shape()) + " do not fit x [..., in] W [in, out] b [out]");
  const size_t K = W.shape()[0], N = W.shape()[1], M = X.size() / K;
  Shape out_shape(X.shape().begin(), X.shape().end());
  out_shape.back() = N;
  Tensor Y = empty(out_shape);
  for (size_t i = 0; i < M; ++i) std::memcpy(Y.data() + i * N, Bv.data(), N * sizeof(float));
  kernels::sgemm(false, false, M, N, K, 1.f, X.data(), K, W.data(), N, 1.f, Y.data(), N);
  return make_result(std::move(Y), {x, w, b}, [=](Node& self) {
    const float* G = self.grad.data();
    float beta;
    if (needs(self, 0)) {
      float* dX = grad_target(parent(self, 0), beta);
      kernels::sgemm(false, true, M, K, N, 1.f, G, N, parent(self, 1).value.data(), N, beta, dX,
                     K);
    }
    if (needs(self, 1)) {
      float* dW = grad_target(parent(self, 1), beta);
      kernels::sgemm(true, false, K, N, M, 1.f, parent(self, 0).value.data(), K, G, N, beta, dW,
                     N);
    }
    if (needs(self, 2)) {
      float* db = parent(self, 2).grad_buffer().data();
      for (size_t i = 0; i < M; ++i)
        for (size_t j = 0; j < N; ++j) db[j] += G[i * N + j];
    }
  });
}

// ================================ broadcasting element-wise =====================================

namespace {
// Sums g over the axes that broadcasting expanded, so that the result has `target`'s shape.
Tensor reduce_to(const Tensor& g, const Tensor::shape_type& target) {
  if (g.shape() == target) return g;
  const size_t gd = g.dimension(), td = target.size();
  std::vector<size_t> axes;
  for (size_t i = 0; i < gd; ++i) {
    if (i < gd - td)
      axes.push_back(i);
    else if (target[i - (gd - td)] == 1 && g.shape()[i] != 1)
      axes.push_back(i);
  }
  Tensor r = axes.empty() ? g : Tensor(xt::sum(g, axes, xt::evaluation_strategy::immediate));
  r.reshape(target);
  return r;
}

// d(parent) += f(x, y, g) element-wise, for unary ops (x: input, y: output, g: output gradient).
template <class F>
void unary_backward(Node& self, F f) {
  Node& p = parent(self, 0);
  float* d = p.grad_buffer().data();
  const float* x = p.value.data();
  const float* y = self.value.data();
  const float* g = self.grad.data();
  for (size_t i = 0, n = p.value.size(); i < n; ++i) d[i] += f(x[i], y[i], g[i]);
}

Tensor::shape_type broadcast_shape(const Tensor& a, const Tensor& b, const char* op) {
  const size_t n = std::max(a.dimension(), b.dimension());
  Tensor::shape_type s(n);
  for (size_t i = 0; i < n; ++i) {
    size_t da = i + a.dimension() >= n ? a.shape()[i + a.dimension() - n] : 1;
    size_t db = i + b.dimension() >= n ? b.shape()[i + b.dimension() - n] : 1;
    if (da != db && da != 1 && db != 1)
      throw ShapeError(std::string(op) + ": shapes " + shape_str(a.shape()) + " and " +
                       shape_str(b.shape()) + " do not broadcast (axis " + std::to_string(i) +
                       ": " + std::to_string(da) + " vs " + std::to_string(db) + ")");
    s[i] = std::max(da, db);
  }
  return s;
}
}  // namespace

Var add(const Var& a, const Var& b) {
  broadcast_shape(a.value(), b.value(), "add");
  Tensor r = a.value() + b.value();
  return make_result(std::move(r), {a, b}, [](Node& self) {
    if (needs(self, 0)) parent(self, 0).accumulate(reduce_to(self.grad, parent(self, 0).value.shape()));
    if (needs(self, 1)) parent(self, 1).accumulate(reduce_to(self.grad, parent(self, 1).value.shape()));
  });
}

Var sub(const Var& a, const Var& b) {
  broadcast_shape(a.value(), b.value(), "sub");
  Tensor r = a.value() - b.value();
  return make_result(std::move(r), {a, b}, [](Node& self) {
    if (needs(self, 0)) parent(self, 0).accumulate(reduce_to(self.grad, parent(self, 0).value.shape()));
    if (needs(self, 1)) {
      Tensor g = reduce_to(self.grad, parent(self, 1).value.shape());
      parent(self, 1).accumulate_raw(g.data(), -1.f);
    }
  });
}

Var mul(const Var& a, const Var& b) {
  broadcast_shape(a.value(), b.value(), "mul");
  Tensor r = a.value() * b.value();
  return make_result(std::move(r), {a, b}, [](Node& self) {
    const Tensor& av = parent(self, 0).value;
    const Tensor& bv = parent(self, 1).value;
    if (needs(self, 0)) {
      Tensor g = self.grad * bv;
      parent(self, 0).accumulate(reduce_to(g, av.shape()));
    }
    if (needs(self, 1)) {
      Tensor g = self.grad * av;
      parent(self, 1).accumulate(reduce_to(g, bv.shape()));
    }
  });
}

Var div(const Var& a, const Var& b) {
  broadcast_shape(a.value(), b.value(), "div");
  Tensor r = a.value() / b.value();
  return make_result(std::move(r), {a, b}, [](Node& self) {
    const Tensor& av = parent(self, 0).value;
    const Tensor& bv = parent(self, 1).value;
    if (needs(self, 0)) {
      Tensor g = self.grad / bv;
      parent(self, 0).accumulate(reduce_to(g, av.shape()));
    }
    if (needs(self, 1)) {
      Tensor g = -self.grad * av / (bv * bv);
      parent(self, 1).accumulate(reduce_to(g, bv.shape()));
    }
  });
}

Var neg(const Var& a) { return scale(a, -1.f); }

Var scale(const Var& a, float s) {
  Tensor r = a.value() * s;
  return make_result(std::move(r), {a}, [s](Node& self) {
    parent(self, 0).accumulate_raw(self.grad.data(), s);
  });
}

Var add_scalar(const Var& a, float s) {
  Tensor r = a.value() + s;
  return make_result(std::move(r), {a}, [](Node& self) {
    parent(self, 0).accumulate_raw(self.grad.data());
  });
}

Var square(const Var& a) {
  Tensor r = a.value() * a.value();
  return make_result(std::move(r), {a}, [](Node& self) {
    Tensor g = 2.f * self.grad * parent(self, 0).value;
    parent(self, 0).accumulate(std::move(g));
  });
}

Var sqrt(const Var& a) {
  Tensor r = xt::sqrt(a.value());
  return make_result(std::move(r), {a}, [](Node& self) {
    Tensor g = self.grad / (2.f * self.value);
    parent(self, 0).accumulate(std::move(g));
  });
}

Var exp(const Var& a) {
  Tensor r = empty(a.shape());
  kernels::vexp(a.value().data(), r.data(), r.size());
  return make_result(std::move(r), {a}, [](Node& self) {
    unary_backward(self, [](float, float y, float g) { return g * y; });
  });
}

Var log(const Var& a) {
  Tensor r = xt::log(a.value());
  return make_result(std::move(r), {a}, [](Node& self) {
    Tensor g = self.grad / parent(self, 0).value;
    parent(self, 0).accumulate(std::move(g));
  });
}

Var tanh(const Var& a) {
  Tensor r = empty(a.shape());
  kernels::vtanh(a.value().data(), r.data(), r.size());
  return make_result(std::move(r), {a}, [](Node& self) {
    unary_backward(self, [](float, float y, float g) { return g * (1.f - y * y); });
  });
}

Var sigmoid(const Var& a) {
  Tensor r = empty(a.shape());
  kernels::vsigmoid(a.value().data(), r.data(), r.size());
  return make_result(std::move(r), {a}, [](Node& self) {
    unary_backward(self, [](float, float y, float g) { return g * y * (1.f - y); });
  });
}

Var relu(const Var& a) {
  Tensor r = empty(a.shape());
  const float* x = a.value().data();
  float* y = r.data();
  for (size_t i = 0, n = r.size(); i < n; ++i) y[i] = x[i] > 0.f ? x[i] : 0.f;
  return make_result(std::move(r), {a}, [](Node& self) {
    unary_backward(self, [](float x, float, float g) { return x > 0.f ? g : 0.f; });
  });
}

Var softplus(const Var& a) {
  const Tensor& x = a.value();
  Tensor r = xt::maximum(x, 0.f) + xt::log1p(xt::exp(-xt::abs(x)));
  return make_result(std::move(r), {a}, [](Node& self) {
    const Tensor& xv = parent(self, 0).value;
    Tensor g = self.grad / (1.f + xt::exp(-xv));
    parent(self, 0).accumulate(std::move(g));
  });
}

// ================================ reductions ====================================================

Var sum(const Var& a) {
  double s = 0.0;
  for (float v : a.value()) s += v;
  Tensor r = xt::xarray<float>::from_shape({});
  r() = static_cast<float>(s);
  return make_result(std::move(r), {a}, [](Node& self) {
    Node& p = parent(self, 0);
    const float g = self.grad();
    float* d = p.grad_buffer().data();
    for (size_t i = 0; i < p.value.size(); ++i) d[i] += g;
  });
}

Var sum(const Var& a, const std::vector<size_t>& axes, bool keepdims) {
  const auto& s = a.value().shape();
  for (size_t ax : axes)
    require(ax < s.size(), "sum: axis " + std::to_string(ax) + " out of range for shape " +
                               shape_str(s));
  Tensor r = xt::sum(a.value(), axes, xt::evaluation_strategy::immediate);
  Tensor::shape_type kshape = s;
  for (size_t ax : axes) kshape[ax] = 1;
  if (keepdims) r.reshape(kshape);
  return make_result(std::move(r), {a}, [kshape](Node& self) {
    Node& p = parent(self, 0);
    Tensor gk = self.grad;
    gk.reshape(kshape);
    Tensor g = xt::broadcast(gk, p.value.shape());
    p.accumulate(std::move(g));
  });
}

Var mean(const Var& a) { return scale(sum(a), a.size() ? 1.f / a.size() : 0.f); }

Var mean(const Var& a, const std::vector<size_t>& axes, bool keepdims) {
  size_t count = 1;
  for (size_t ax : axes) {
    require(ax < a.ndim(), "mean: axis " + std::to_string(ax) + " out of range for shape " +
                               shape_str(a.shape()));
    count *= a.dim(ax);
  }
  return scale(sum(a, axes, keepdims), count ? 1.f / count : 0.f);
}

// ================================ shape =========================================================

Var reshape(const Var& a, const Shape& shape) {
  require(numel(shape) == a.size(), "reshape: cannot view " + shape_str(a.shape()) + " (" +
                                        std::to_string(a.size()) + " elements) as " +
                                        shape_str(shape));
  Tensor r = a.value();
  r.reshape(shape);
  return make_result(std::move(r), {a}, [](Node& self) {
    parent(self, 0).accumulate_raw(self.grad.data());
  });
}

Var transpose(const Var& a, const std::vector<size_t>& perm) {
  require(perm.size() == a.ndim(), "transpose: permutation of " + std::to_string(perm.size()) +
                                       " axes for shape " + shape_str(a.shape()));
  std::vector<size_t> inv(perm.size());
  std::vector<bool> seen(perm.size(), false);
  for (size_t i = 0; i < perm.size(); ++i) {
    require(perm[i] < perm.size() && !seen[perm[i]],
            "transpose: " + shape_str(perm) + " is not a permutation");
    seen[perm[i]] = true;
    inv[perm[i]] = i;
  }
  Tensor r = xt::transpose(a.value(), perm);
  return make_result(std::move(r), {a}, [inv](Node& self) {
    Tensor g = xt::transpose(self.grad, inv);
    parent(self, 0).accumulate(std::move(g));
  });
}

Var transpose(const Var& a) {
  std::vector<size_t> perm(a.ndim());
  std::iota(perm.rbegin(), perm.rend(), 0);
  return transpose(a, perm);
}

Var concat(const std::vector<Var>& xs, size_t axis) {
  require(!xs.empty(), "concat: no inputs");
  const auto& s0 = xs[0].value().shape();
  require(axis < s0.size(), "concat: axis " + std::to_string(axis) + " out of range for shape " +
                                shape_str(s0));
  Tensor::shape_type out_shape = s0;
  out_shape[axis] = 0;
  std::vector<size_t> widths;  // per input: its axis length * inner
  size_t outer, inner;
  detail::outer_inner(s0, axis, outer, inner);
  for (const auto& x : xs) {
    const auto& s = x.value().shape();
    bool ok = s.size() == s0.size();
    for (size_t i = 0; ok && i < s.size(); ++i) ok = (i == axis) || s[i] == s0[i];
    require(ok, "concat: shape " + shape_str(s) + " does not fit " + shape_str(s0) +
                    " along axis " + std::to_string(axis));
    out_shape[axis] += s[axis];
    widths.push_back(s[axis] * inner);
  }
  const size_t total = out_shape[axis] * inner;
  Tensor r = Tensor::from_shape(out_shape);
  size_t off = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    const float* src = xs[k].value().data();
    for (size_t o = 0; o < outer; ++o)
      std::memcpy(r.data() + o * total + off, src + o * widths[k], widths[k] * sizeof(float));
    off += widths[k];
  }
  return make_result(std::move(r), xs, [widths, outer, total](Node& self) {
    size_t off = 0;
    for (size_t k = 0; k < self.parents.size(); ++k) {
      if (needs(self, k)) {
        float* d = parent(self, k).grad_buffer().data();
        for (size_t o = 0; o < outer; ++o)
          for (size_t j = 0; j < widths[k]; ++j)
            d[o * widths[k] + j] += self.grad.data()[o * total + off + j];
      }
      off += widths[k];
    }
  });
}

Var slice(const Var& a, size_t axis, size_t begin, size_t end) {
  const auto& s = a.value().shape();
  require(axis < s.size() && begin <= end && end <= s[axis],
          "slice: [" + std::to_string(begin) + ", " + std::to_string(end) + ") along axis " +
              std::to_string(axis) + " is outside shape " + shape_str(s));
  size_t outer, inner;
  detail::outer_inner(s, axis, outer, inner);
  Tensor::shape_type out_shape = s;
  out_shape[axis] = end - begin;
  const size_t w = (end - begin) * inner, full = s[axis] * inner, off = begin * inner;
  Tensor r = Tensor::from_shape(out_shape);
  for (size_t o = 0; o < outer; ++o)
    std::memcpy(r.data() + o * w, a.value().data() + o * full + off, w * sizeof(float));
  return make_result(std::move(r), {a}, [outer, w, full, off](Node& self) {
    float* d = parent(self, 0).grad_buffer().data();
    for (size_t o = 0; o < outer; ++o)
      for (size_t j = 0; j < w; ++j) d[o * full + off + j] += self.grad.data()[o * w + j];
  });
}

Var stack(const std::vector<Var>& xs, size_t axis) {
  require(!xs.empty(), "stack: no inputs");
  require(axis <= xs[0].ndim(), "stack: axis " + std::to_string(axis) + " out of range for " +
                                    std::to_string(xs[0].ndim()) + "-D inputs");
  std::vector<Var> expanded;
  for (const auto& x : xs) {
    require(x.shape() == xs[0].shape(), "stack: shapes differ: " + shape_str(x.shape()) +
                                            " vs " + shape_str(xs[0].shape()));
    Shape s = x.shape();
    s.insert(s.begin() + axis, 1);
    expanded.push_back(reshape(x, s));
  }
  return concat(expanded, axis);
}

}  // namespace seqrl::nets
