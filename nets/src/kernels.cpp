// Hot kernels: explicit xsimd loops (exp is the cost of softmax; see docs/design.md's measurements)
// and raw CBLAS calls. This file must not include xtensor-blas (its CBLAS copy clashes with
// OpenBLAS's cblas.h).
#include "seqrl/nets/kernels.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

// GCC 12's AVX-512 intrinsic headers trip -Wmaybe-uninitialized on their own _mm512_undefined_*
// placeholders when inlined here (GCC PR 105593, fixed in GCC 13); the warning is not about our
// code, so it is silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <xsimd/xsimd.hpp>

#include "seqrl/nets/error.hpp"
#include "seqrl/nets/parallel.hpp"

namespace seqrl::nets::kernels {

namespace {
using batch = xsimd::batch<float>;
constexpr size_t kLanes = batch::size;

float row_max(const float* x, const float* bias, size_t v) {
  size_t j = 0;
  float m = -std::numeric_limits<float>::infinity();
  if (v >= kLanes) {
    batch bm = bias ? xsimd::load_unaligned(x) + xsimd::load_unaligned(bias)
                    : xsimd::load_unaligned(x);
    for (j = kLanes; j + kLanes <= v; j += kLanes) {
      batch bx = xsimd::load_unaligned(x + j);
      if (bias) bx += xsimd::load_unaligned(bias + j);
      bm = xsimd::max(bm, bx);
    }
    alignas(64) float lanes[kLanes];
    bm.store_aligned(lanes);
    for (size_t l = 0; l < kLanes; ++l) m = std::max(m, lanes[l]);
  }
  for (; j < v; ++j) m = std::max(m, x[j] + (bias ? bias[j] : 0.f));
  return m;
}

// y[j] = exp((x[j] + bias[j]) * inv_t - shift); returns the sum of y in double.
double exp_shift_sum(const float* x, const float* bias, size_t v, float inv_t, float shift,
                     float* y) {
  // Lanes accumulate in float for at most 8 vectors, then flush into a double: the total keeps
  // ~1e-7 relative accuracy (a float running sum over 5000 terms drifts to ~1e-5, enough to flip
  // sampled tokens whose uniform lies near a CDF boundary).
  size_t j = 0;
  batch acc(0.f);
  double s = 0.0;
  int pending = 0;
  const batch bs(shift), bt(inv_t);
  for (; j + kLanes <= v; j += kLanes) {
    batch bx = xsimd::load_unaligned(x + j);
    if (bias) bx += xsimd::load_unaligned(bias + j);
    batch e = xsimd::exp(xsimd::fms(bx, bt, bs));
    e.store_unaligned(y + j);
    acc += e;
    if (++pending == 8) {
      s += xsimd::hadd(acc);
      acc = batch(0.f);
      pending = 0;
    }
  }
  s += xsimd::hadd(acc);
  for (; j < v; ++j) {
    y[j] = std::exp((x[j] + (bias ? bias[j] : 0.f)) * inv_t - shift);
    s += y[j];
  }
  return s;
}

void scale_row(float* y, size_t v, float a) {
  size_t j = 0;
  const batch ba(a);
  for (; j + kLanes <= v; j += kLanes) (xsimd::load_unaligned(y + j) * ba).store_unaligned(y + j);
  for (; j < v; ++j) y[j] *= a;
}

// y *= a and acc += y (the bias gradient) in one pass.
void scale_row_acc(float* y, size_t v, float a, float* acc) {
  size_t j = 0;
  const batch ba(a);
  for (; j + kLanes <= v; j += kLanes) {
    batch e = xsimd::load_unaligned(y + j) * ba;
    e.store_unaligned(y + j);
    (xsimd::load_unaligned(acc + j) + e).store_unaligned(acc + j);
  }
  for (; j < v; ++j) {
    y[j] *= a;
    acc[j] += y[j];
  }
}
}  // namespace

namespace {
void sgemm_serial(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                  const float* a, size_t lda, const float* b, size_t ldb, float beta, float* c,
                  size_t ldc) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}
}  // namespace

void sgemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha, const float* a,
           size_t lda, const float* b, size_t ldb, float beta, float* c, size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // CBLAS leaves C untouched for k == 0 only when beta == 1
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.f ? 0.f : beta * c[i * ldc + j];
    return;
  }
  // Large products are split across seqrl's threads (OpenBLAS itself runs one thread while the
  // pool has more), along the longer side of C. Small ones stay serial.
  const size_t threads = static_cast<size_t>(num_threads());
  const double work = double(m) * double(n) * double(k);
  // Worth the pool's hand-off (~10-20 us): big products, or wide ones of a few MFLOP (the LSTM's
  // 1280x32x128 GEMMs stay serial; 64x32x5000 output-layer GEMMs split).
  const bool worth = work >= 3.2e7 || (work >= 4.0e6 && std::max(m, n) >= 2048);
  if (threads > 1 && worth) {
    // Split the longer side of C: each part keeps a wide, efficient GEMM.
    if (m >= n && m >= 8 * threads) {
      parallel_for(m, [&](size_t r0, size_t r1, size_t) {
        sgemm_serial(trans_a, trans_b, r1 - r0, n, k, alpha, trans_a ? a + r0 : a + r0 * lda, lda,
                     b, ldb, beta, c + r0 * ldc, ldc);
      });
      return;
    }
    if (n > m && n >= 64 * threads) {
      parallel_for(n, [&](size_t c0, size_t c1, size_t) {
        sgemm_serial(trans_a, trans_b, m, c1 - c0, k, alpha, a, lda,
                     trans_b ? b + c0 * ldb : b + c0, ldb, beta, c + c0, ldc);
      });
      return;
    }
  }
  sgemm_serial(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void vexp(const float* x, float* y, size_t n) {
  size_t j = 0;
  for (; j + kLanes <= n; j += kLanes) xsimd::exp(xsimd::load_unaligned(x + j)).store_unaligned(y + j);
  for (; j < n; ++j) y[j] = std::exp(x[j]);
}

void vsigmoid(const float* x, float* y, size_t n) {
  size_t j = 0;
  const batch one(1.f);
  for (; j + kLanes <= n; j += kLanes)
    (one / (one + xsimd::exp(-xsimd::load_unaligned(x + j)))).store_unaligned(y + j);
  for (; j < n; ++j) y[j] = 1.f / (1.f + std::exp(-x[j]));
}

void vtanh(const float* x, float* y, size_t n) {
  size_t j = 0;
  for (; j + kLanes <= n; j += kLanes) xsimd::tanh(xsimd::load_unaligned(x + j)).store_unaligned(y + j);
  for (; j < n; ++j) y[j] = std::tanh(x[j]);
}

double softmax_xent_rows(const float* logits, const float* bias, size_t n, size_t v,
                         const int32_t* targets, const float* weight, float grad_scale,
                         float* grad, float* bias_grad) {
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const float* x = logits + i * v;
    float* g = grad + i * v;
    const int32_t t = targets[i];
    if (t < 0 || static_cast<size_t>(t) >= v)
      throw ValueError("cross-entropy: target " + std::to_string(t) + " at row " +
                       std::to_string(i) + " is outside [0, " + std::to_string(v) + ")");
    const float w = weight ? weight[i] : 1.f;
    const float xt = x[t] + (bias ? bias[t] : 0.f);  // read before g (may alias x) is written
    if (w == 0.f) {
      std::fill(g, g + v, 0.f);
      continue;
    }
    const float m = row_max(x, bias, v);
    const double s = exp_shift_sum(x, bias, v, 1.f, m, g);
    const double lse = m + std::log(s);
    total += w * (lse - xt);
    const float a = static_cast<float>(w * grad_scale / s);
    if (bias_grad) {
      scale_row_acc(g, v, a, bias_grad);
      bias_grad[t] -= w * grad_scale;
    } else {
      scale_row(g, v, a);
    }
    g[t] -= w * grad_scale;
  }
  return total;
}

void log_softmax_rows(const float* x, float* y, size_t n, size_t v) {
  thread_local std::vector<float> scratch;  // exp values (y may alias x, so not into y)
  scratch.resize(v);
  for (size_t i = 0; i < n; ++i) {
    const float* xi = x + i * v;
    float* yi = y + i * v;
    const float m = row_max(xi, nullptr, v);
    const double s = exp_shift_sum(xi, nullptr, v, 1.f, m, scratch.data());
    // (x - m) is exact for the largest logits, so log-probs near 0 keep full precision even
    // when the logits are huge (x - lse would round at the scale of lse).
    const float ls = static_cast<float>(std::log(s));
    for (size_t j = 0; j < v; ++j) yi[j] = (xi[j] - m) - ls;
  }
}

void softmax_rows(const float* x, float* y, size_t n, size_t v) {
  for (size_t i = 0; i < n; ++i) {
    const float m = row_max(x + i * v, nullptr, v);
    const double s = exp_shift_sum(x + i * v, nullptr, v, 1.f, m, y + i * v);
    scale_row(y + i * v, v, static_cast<float>(1.0 / s));
  }
}

void sample_rows(const float* logits, const float* bias, size_t n, size_t v, float temperature,
                 const double* u, int32_t* out, float* scratch) {
  if (!(temperature > 0.f)) throw ValueError("sampling temperature must be > 0, got " +
                                             std::to_string(temperature));
  const float inv_t = 1.f / temperature;
  for (size_t i = 0; i < n; ++i) {
    const float* x = logits + i * v;
    const float m = row_max(x, bias, v) * inv_t;
    const double s = exp_shift_sum(x, bias, v, inv_t, m, scratch);
    const double target = u[i] * s;
    // Skip whole vectors while the running sum stays at or below the target, then walk one by one.
    double c = 0.0;
    size_t j = 0;
    for (; j + kLanes <= v; j += kLanes) {
      double chunk = xsimd::hadd(xsimd::load_unaligned(scratch + j));
      if (c + chunk > target) break;
      c += chunk;
    }
    for (; j < v; ++j) {
      c += scratch[j];
      if (c > target) break;
    }
    out[i] = static_cast<int32_t>(std::min(j, v - 1));
  }
}

}  // namespace seqrl::nets::kernels
