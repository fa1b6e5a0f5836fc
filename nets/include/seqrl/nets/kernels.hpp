// Raw-pointer kernels for the hot paths: GEMM (OpenBLAS), vectorised exp / softmax / cross-entropy
// rows (xsimd). Kept out of the xtensor headers: cblas.h and xtensor-blas's own CBLAS copy do not
// compile in one translation unit, and xsimd is heavy. Everything is row-major float32.
#pragma once

#include <cstddef>
#include <cstdint>

namespace seqrl::nets::kernels {

// C = alpha * op(A) op(B) + beta * C (row-major, leading dimensions as in CBLAS). Large products
// (32 MFLOP, or 4 MFLOP with a side of 2048+) are split across seqrl's threads (parallel.hpp)
// along the longer side of C.
void sgemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha, const float* a,
           size_t lda, const float* b, size_t ldb, float beta, float* c, size_t ldc);

// y = exp(x), n elements (y may alias x). Relative error ~1e-7 (xsimd's exp).
void vexp(const float* x, float* y, size_t n);

// y = sigmoid(x) and y = tanh(x), n elements (y may alias x).
void vsigmoid(const float* x, float* y, size_t n);
void vtanh(const float* x, float* y, size_t n);

// Softmax cross-entropy over rows with the gradient fused in.
//   logits [n, v] (plus bias [v] if not null), targets [n] in [0, v), weight [n] (null = all 1).
//   Writes into grad [n, v] (may alias logits): d(loss)/d(logits) * grad_scale, where loss is
//   sum_i weight_i * (-log softmax(logits_i)[t_i]). Adds sum over rows of grad into bias_grad [v]
//   when not null. Returns the (double) weighted loss sum. Targets outside [0, v) throw ValueError.
double softmax_xent_rows(const float* logits, const float* bias, size_t n, size_t v,
                         const int32_t* targets, const float* weight, float grad_scale,
                         float* grad, float* bias_grad);

// log_softmax of each row of x [n, v] into y (may alias x).
void log_softmax_rows(const float* x, float* y, size_t n, size_t v);
// softmax of each row of x [n, v] into y (may alias x).
void softmax_rows(const float* x, float* y, size_t n, size_t v);

// Samples one index per row from softmax(logits_row / temperature + 0) with bias [v] added to the
// logits first (bias may be null), by inverse CDF: the smallest j whose cumulative mass exceeds
// u_i * total. u [n] uniforms in [0, 1). scratch needs v floats. Writes out [n].
void sample_rows(const float* logits, const float* bias, size_t n, size_t v, float temperature,
                 const double* u, int32_t* out, float* scratch);

}  // namespace seqrl::nets::kernels
