// Network-shaped ops: softmax family, embedding/gather, convolution over sequences, pooling,
// dropout, normalisation. Forward and backward side by side.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "op_util.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::nets {

using detail::grad_target;
using detail::needs;
using detail::parent;
using detail::require;

Var softmax(const Var& a) {
  require(a.ndim() >= 1, "softmax: needs at least 1 axis");
  const size_t v = a.value().shape().back(), n = v ? a.size() / v : 0;
  Tensor y = empty(a.shape());
  kernels::softmax_rows(a.value().data(), y.data(), n, v);
  return make_result(std::move(y), {a}, [n, v](Node& self) {
    // dx = y * (g - sum(g * y))
    float* d = parent(self, 0).grad_buffer().data();
    const float* y = self.value.data();
    const float* g = self.grad.data();
    for (size_t i = 0; i < n; ++i) {
      double dot = 0.0;
      for (size_t j = 0; j < v; ++j) dot += g[i * v + j] * y[i * v + j];
      for (size_t j = 0; j < v; ++j)
        d[i * v + j] += y[i * v + j] * (g[i * v + j] - static_cast<float>(dot));
    }
  });
}

Var log_softmax(const Var& a) {
  require(a.ndim() >= 1, "log_softmax: needs at least 1 axis");
  const size_t v = a.value().shape().back(), n = v ? a.size() / v : 0;
  Tensor y = empty(a.shape());
  kernels::log_softmax_rows(a.value().data(), y.data(), n, v);
  return make_result(std::move(y), {a}, [n, v](Node& self) {
    // dx = g - softmax * sum(g)
    float* d = parent(self, 0).grad_buffer().data();
    const float* y = self.value.data();
    const float* g = self.grad.data();
    for (size_t i = 0; i < n; ++i) {
      double s = 0.0;
      for (size_t j = 0; j < v; ++j) s += g[i * v + j];
      for (size_t j = 0; j < v; ++j)
        d[i * v + j] += g[i * v + j] - std::exp(y[i * v + j]) * static_cast<float>(s);
    }
  });
}

Var embedding(const Var& weight, const IntTensor& ids) {
  const Tensor& W = weight.value();
  require(W.dimension() == 2, "embedding: weight must be [V, E], got " + shape_str(W.shape()));
  const size_t V = W.shape()[0], E = W.shape()[1];
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids.data()[i];
    if (id < 0 || static_cast<size_t>(id) >= V)
      throw ValueError("embedding: id " + std::to_string(id) + " at flat position " +
                       std::to_string(i) + " is outside the vocabulary [0, " + std::to_string(V) +
                       ")");
  }
  Shape out_shape(ids.shape().begin(), ids.shape().end());
  out_shape.push_back(E);
  Tensor r = empty(out_shape);
  for (size_t i = 0; i < ids.size(); ++i)
    std::memcpy(r.data() + i * E, W.data() + size_t(ids.data()[i]) * E, E * sizeof(float));
  auto idc = std::make_shared<IntTensor>(ids);
  return make_result(std::move(r), {weight}, [idc, E](Node& self) {
    float* d = parent(self, 0).grad_buffer().data();
    const float* g = self.grad.data();
    for (size_t i = 0; i < idc->size(); ++i) {
      float* row = d + size_t(idc->data()[i]) * E;
      for (size_t j = 0; j < E; ++j) row[j] += g[i * E + j];
    }
  });
}

Var gather(const Var& a, const IntTensor& idx) {
  require(a.ndim() == 2 && idx.dimension() == 1 && idx.size() == a.dim(0),
          "gather: needs a [N, C] and idx [N], got " + shape_str(a.shape()) + " and " +
              shape_str(idx.shape()));
  const size_t N = a.dim(0), C = a.dim(1);
  Tensor r = empty({N});
  for (size_t i = 0; i < N; ++i) {
    const int32_t k = idx(i);
    if (k < 0 || static_cast<size_t>(k) >= C)
      throw ValueError("gather: index " + std::to_string(k) + " at row " + std::to_string(i) +
                       " is outside [0, " + std::to_string(C) + ")");
    r(i) = a.value().data()[i * C + k];
  }
  auto idc = std::make_shared<IntTensor>(idx);
  return make_result(std::move(r), {a}, [idc, N, C](Node& self) {
    float* d = parent(self, 0).grad_buffer().data();
    for (size_t i = 0; i < N; ++i) d[i * C + (*idc)(i)] += self.grad(i);
  });
}

Var conv1d(const Var& x, const Var& w, const Var& b) {
  const Tensor& X = x.value();
  const Tensor& W = w.value();
  require(X.dimension() == 3 && W.dimension() == 3 && X.shape()[2] == W.shape()[1] &&
              b.size() == W.shape()[2],
          "conv1d: needs x [B,T,Cin], w [K,Cin,Cout], b [Cout]; got " + shape_str(X.shape()) +
              ", " + shape_str(W.shape()) + ", " + shape_str(b.shape()));
  const size_t B = X.shape()[0], T = X.shape()[1], Cin = X.shape()[2];
  const size_t K = W.shape()[0], Cout = W.shape()[2];
  require(T >= K, "conv1d: sequence length " + std::to_string(T) + " is shorter than the filter " +
                      std::to_string(K));
  const size_t To = T - K + 1, rows = B * To, cols = K * Cin;
  // im2col: row (b, t) is x[b, t:t+K, :], which is contiguous in x.
  auto col = std::make_shared<Tensor>(empty({rows, cols}));
  for (size_t bi = 0; bi < B; ++bi)
    for (size_t t = 0; t < To; ++t)
      std::memcpy(col->data() + (bi * To + t) * cols, X.data() + (bi * T + t) * Cin,
                  cols * sizeof(float));
  Tensor Y = empty({B, To, Cout});
  for (size_t r = 0; r < rows; ++r)
    std::memcpy(Y.data() + r * Cout, b.value().data(), Cout * sizeof(float));
  kernels::sgemm(false, false, rows, Cout, cols, 1.f, col->data(), cols, W.data(), Cout, 1.f,
                 Y.data(), Cout);
  return make_result(std::move(Y), {x, w, b}, [=](Node& self) {
    const float* G = self.grad.data();
    float beta;
    if (needs(self, 1)) {
      float* dW = grad_target(parent(self, 1), beta);
      kernels::sgemm(true, false, cols, Cout, rows, 1.f, col->data(), cols, G, Cout, beta, dW,
                     Cout);
    }
    if (needs(self, 2)) {
      float* db = parent(self, 2).grad_buffer().data();
      for (size_t r = 0; r < rows; ++r)
        for (size_t j = 0; j < Cout; ++j) db[j] += G[r * Cout + j];
    }
    if (needs(self, 0)) {
      Tensor dcol = empty({rows, cols});
      kernels::sgemm(false, true, rows, cols, Cout, 1.f, G, Cout, parent(self, 1).value.data(),
                     Cout, 0.f, dcol.data(), cols);
      float* dX = parent(self, 0).grad_buffer().data();  // col2im: overlapping windows add up
      for (size_t bi = 0; bi < B; ++bi)
        for (size_t t = 0; t < To; ++t) {
          const float* src = dcol.data() + (bi * To + t) * cols;
          float* dst = dX + (bi * T + t) * Cin;
          for (size_t j = 0; j < cols; ++j) dst[j] += src[j];
        }
    }
  });
}

Var max_over_time(const Var& x) {
  require(x.ndim() == 3 && x.dim(1) > 0, "max_over_time: needs x [B,T,C] with T > 0, got " +
                                             shape_str(x.shape()));
  const size_t B = x.dim(0), T = x.dim(1), C = x.dim(2);
  Tensor r = empty({B, C});
  auto arg = std::make_shared<std::vector<uint32_t>>(B * C);
  const float* X = x.value().data();
  for (size_t bi = 0; bi < B; ++bi) {
    float* out = r.data() + bi * C;
    uint32_t* am = arg->data() + bi * C;
    std::memcpy(out, X + bi * T * C, C * sizeof(float));
    std::fill(am, am + C, 0u);
    for (size_t t = 1; t < T; ++t) {
      const float* row = X + (bi * T + t) * C;
      for (size_t c = 0; c < C; ++c)
        if (row[c] > out[c]) {
          out[c] = row[c];
          am[c] = static_cast<uint32_t>(t);
        }
    }
  }
  return make_result(std::move(r), {x}, [arg, B, T, C](Node& self) {
    float* d = parent(self, 0).grad_buffer().data();
    for (size_t bi = 0; bi < B; ++bi)
      for (size_t c = 0; c < C; ++c)
        d[(bi * T + (*arg)[bi * C + c]) * C + c] += self.grad.data()[bi * C + c];
  });
}

Var dropout(const Var& x, float p, bool training, Rng& rng) {
  return dropout_rows(x, p, training, rng, 0, x.ndim() ? x.dim(0) : 1);
}

Var dropout_rows(const Var& x, float p, bool training, Rng& rng, size_t begin, size_t total) {
  if (!(p >= 0.f && p < 1.f))
    throw ValueError("dropout: probability must be in [0, 1), got " + std::to_string(p));
  if (!training || p == 0.f) return x;
  const size_t rows = x.ndim() ? x.dim(0) : 1, width = rows ? x.size() / rows : 0;
  if (begin + rows > total)
    throw ShapeError("dropout: rows [" + std::to_string(begin) + ", " + std::to_string(begin + rows) +
                     ") of a batch of " + std::to_string(total) + " rows");
  auto mask = std::make_shared<Tensor>(empty(x.shape()));
  const float keep_scale = 1.f / (1.f - p);
  float* own = mask->data();
  for (size_t i = 0; i < total * width; ++i) {  // every row's uniforms, in row-major order
    const float m = rng.uniform() < p ? 0.f : keep_scale;
    if (i >= begin * width && i < (begin + rows) * width) own[i - begin * width] = m;
  }
  Tensor r = x.value() * *mask;
  return make_result(std::move(r), {x}, [mask](Node& self) {
    Tensor g = self.grad * *mask;
    parent(self, 0).accumulate(std::move(g));
  });
}

Var l2_normalize(const Var& x, float eps) {
  require(x.ndim() >= 1, "l2_normalize: needs at least 1 axis");
  const size_t v = x.value().shape().back(), n = v ? x.size() / v : 0;
  auto norms = std::make_shared<std::vector<float>>(n);
  Tensor y = empty(x.shape());
  const float* X = x.value().data();
  for (size_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (size_t j = 0; j < v; ++j) s += double(X[i * v + j]) * X[i * v + j];
    const float nr = static_cast<float>(std::sqrt(s + eps));
    (*norms)[i] = nr;
    for (size_t j = 0; j < v; ++j) y.data()[i * v + j] = X[i * v + j] / nr;
  }
  return make_result(std::move(y), {x}, [norms, n, v](Node& self) {
    // dx = (g - y * sum(g * y)) / norm
    float* d = parent(self, 0).grad_buffer().data();
    const float* g = self.grad.data();
    const float* y = self.value.data();
    for (size_t i = 0; i < n; ++i) {
      double dot = 0.0;
      for (size_t j = 0; j < v; ++j) dot += g[i * v + j] * y[i * v + j];
      for (size_t j = 0; j < v; ++j)
        d[i * v + j] += (g[i * v + j] - y[i * v + j] * static_cast<float>(dot)) / (*norms)[i];
    }
  });
}

Var cosine_similarity(const Var& a, const Var& b, float eps) {
  require(a.shape() == b.shape(), "cosine_similarity: shapes differ: " + shape_str(a.shape()) +
                                      " vs " + shape_str(b.shape()));
  return sum(mul(l2_normalize(a, eps), l2_normalize(b, eps)), {a.ndim() - 1});
}

Var stop_gradient(const Var& x) { return Var(x.value(), false); }

}  // namespace seqrl::nets
