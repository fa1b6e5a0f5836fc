// Layers, and the fused LSTM sequence op (forward + backpropagation through time).
#include "seqrl/nets/layers.hpp"

#include <cmath>
#include <cstring>
#include <memory>

#include "op_util.hpp"
#include "seqrl/nets/init.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::nets {

using detail::grad_target;
using detail::needs;
using detail::parent;
using detail::require;

// ---- Linear / Embedding -----------------------------------------------------------------------
Linear::Linear(size_t in, size_t out, Rng& rng, bool has_bias) : in_features(in), out_features(out) {
  if (in == 0 || out == 0)  // (a hidden size of 0 once reached an integer division by zero)
    throw ValueError("Linear(" + std::to_string(in) + " -> " + std::to_string(out) + "): sizes must be positive");
  const float a = 1.f / std::sqrt(static_cast<float>(in));
  weight = register_parameter("weight", init::uniform({in, out}, rng, -a, a));
  if (has_bias) bias = register_parameter("bias", init::uniform({out}, rng, -a, a));
}

Var Linear::forward(const Var& x) const {
  if (x.ndim() == 0 || x.shape().back() != in_features)
    throw ShapeError("Linear(" + std::to_string(in_features) + " -> " +
                     std::to_string(out_features) + "): input of shape " + shape_str(x.shape()) +
                     " (last axis must be " + std::to_string(in_features) + ")");
  return bias.defined() ? linear(x, weight, bias) : matmul(x, weight);
}

Embedding::Embedding(size_t num, size_t dim, Rng& rng) : num_embeddings(num), embedding_dim(dim) {
  if (num == 0 || dim == 0)
    throw ValueError("Embedding(" + std::to_string(num) + " x " + std::to_string(dim) + "): sizes must be positive");
  weight = register_parameter("weight", init::normal({num, dim}, rng));
}

Var Embedding::forward(const IntTensor& ids) const { return embedding(weight, ids); }

// ---- LSTM -------------------------------------------------------------------------------------
LSTMCell::LSTMCell(size_t in, size_t hidden, Rng& rng, float forget_bias)
    : input_size(in), hidden_size(hidden) {
  if (in == 0 || hidden == 0)
    throw ValueError("LSTM(" + std::to_string(in) + " -> " + std::to_string(hidden) + "): sizes must be positive");
  const float a = 1.f / std::sqrt(static_cast<float>(hidden));
  w_ih = register_parameter("w_ih", init::uniform({in, 4 * hidden}, rng, -a, a));
  w_hh = register_parameter("w_hh", init::uniform({hidden, 4 * hidden}, rng, -a, a));
  Tensor bias = init::uniform({4 * hidden}, rng, -a, a);
  for (size_t j = hidden; j < 2 * hidden; ++j) bias(j) += forget_bias;
  b = register_parameter("b", std::move(bias));
}

LSTMState LSTMCell::zero_state(size_t batch) const {
  return {Var(init::zeros({batch, hidden_size})), Var(init::zeros({batch, hidden_size}))};
}

LSTMState LSTMCell::forward(const Var& x, const LSTMState& s) const {
  const size_t H = hidden_size;
  require(x.ndim() == 2 && x.dim(1) == input_size && s.h.shape() == Shape{x.dim(0), H} &&
              s.c.shape() == Shape{x.dim(0), H},
          "LSTMCell: x " + shape_str(x.shape()) + ", h " + shape_str(s.h.shape()) + ", c " +
              shape_str(s.c.shape()) + " for input " + std::to_string(input_size) +
              ", hidden " + std::to_string(H));
  Var gates = add(linear(x, w_ih, b), matmul(s.h, w_hh));
  Var i = sigmoid(slice(gates, 1, 0, H));
  Var f = sigmoid(slice(gates, 1, H, 2 * H));
  Var o = sigmoid(slice(gates, 1, 2 * H, 3 * H));
  Var g = tanh(slice(gates, 1, 3 * H, 4 * H));
  Var c = add(mul(f, s.c), mul(i, g));
  Var h = mul(o, tanh(c));
  return {h, c};
}

LSTM::LSTM(size_t in, size_t hidden, Rng& rng, float forget_bias)
    : cell(in, hidden, rng, forget_bias), input_size(in), hidden_size(hidden) {
  register_module("cell", cell);
}

LSTM::Output LSTM::forward(const Var& x, const LSTMState* init_state) const {
  require(x.ndim() == 3 && x.dim(2) == input_size,
          "LSTM: input must be [B, T, " + std::to_string(input_size) + "], got " +
              shape_str(x.shape()));
  const size_t B = x.dim(0), T = x.dim(1);
  LSTMState s0 = init_state ? *init_state : cell.zero_state(B);
  Tensor final_c;
  Var out = lstm_sequence(x, cell.w_ih, cell.w_hh, cell.b, s0.h, s0.c, &final_c);
  Var h = T ? reshape(slice(out, 1, T - 1, T), {B, hidden_size}) : s0.h;
  return {out, {h, Var(std::move(final_c))}};
}

Var lstm_sequence(const Var& x, const Var& w_ih, const Var& w_hh, const Var& b, const Var& h0,
                  const Var& c0, Tensor* final_c) {
  require(x.ndim() == 3 && w_ih.ndim() == 2 && w_ih.dim(0) == x.dim(2) && w_hh.ndim() == 2 &&
              w_ih.dim(1) == w_hh.dim(1) && w_hh.dim(1) == 4 * w_hh.dim(0) &&
              b.size() == w_hh.dim(1),
          "lstm_sequence: x " + shape_str(x.shape()) + ", w_ih " + shape_str(w_ih.shape()) +
              ", w_hh " + shape_str(w_hh.shape()) + ", b " + shape_str(b.shape()) +
              " do not fit x [B,T,in], w_ih [in,4H], w_hh [H,4H], b [4H]");
  const size_t B = x.dim(0), T = x.dim(1), I = x.dim(2), H = w_hh.dim(0), G = 4 * H;
  require(h0.shape() == Shape{B, H} && c0.shape() == Shape{B, H},
          "lstm_sequence: h0 " + shape_str(h0.shape()) + " and c0 " + shape_str(c0.shape()) +
              " must be [" + std::to_string(B) + ", " + std::to_string(H) + "]");
  // Saved for backward: activated gates [B,T,4H] (i, f, o sigmoid; g tanh), cells c_t [B,T,H],
  // tanh(c_t) [B,T,H]. Batch-major like x, so that one GEMM covers x W_ih for every step.
  auto acts = std::make_shared<Tensor>(empty({B, T, G}));
  auto cells = std::make_shared<Tensor>(empty({B, T, H}));
  auto tcells = std::make_shared<Tensor>(empty({B, T, H}));
  Tensor out = empty({B, T, H});
  float* A = acts->data();
  kernels::sgemm(false, false, B * T, G, I, 1.f, x.value().data(), I, w_ih.value().data(), G, 0.f,
                 A, G);
  std::vector<float> hu(B * G);
  const float* bias = b.value().data();
  const float* Wh = w_hh.value().data();
  for (size_t t = 0; t < T; ++t) {
    // hu = h_{t-1} W_hh, with h_{t-1} = out[:, t-1] (row stride T*H) or h0
    const float* hprev = t ? out.data() + (t - 1) * H : h0.value().data();
    const size_t ldh = t ? T * H : H;
    kernels::sgemm(false, false, B, G, H, 1.f, hprev, ldh, Wh, G, 0.f, hu.data(), G);
    for (size_t bi = 0; bi < B; ++bi) {
      float* a = A + (bi * T + t) * G;
      const float* u = hu.data() + bi * G;
      for (size_t j = 0; j < G; ++j) a[j] += u[j] + bias[j];
      kernels::vsigmoid(a, a, 3 * H);
      kernels::vtanh(a + 3 * H, a + 3 * H, H);
      const float* cprev = t ? cells->data() + (bi * T + t - 1) * H : c0.value().data() + bi * H;
      float* c = cells->data() + (bi * T + t) * H;
      for (size_t j = 0; j < H; ++j) c[j] = a[H + j] * cprev[j] + a[j] * a[3 * H + j];
    }
    for (size_t bi = 0; bi < B; ++bi) {
      const size_t r = (bi * T + t) * H;
      kernels::vtanh(cells->data() + r, tcells->data() + r, H);
      const float* a = A + (bi * T + t) * G;
      for (size_t j = 0; j < H; ++j) out.data()[r + j] = a[2 * H + j] * tcells->data()[r + j];
    }
  }
  if (final_c) {
    *final_c = empty({B, H});
    for (size_t bi = 0; bi < B; ++bi)
      std::memcpy(final_c->data() + bi * H,
                  T ? cells->data() + (bi * T + T - 1) * H : c0.value().data() + bi * H,
                  H * sizeof(float));
  }
  return make_result(std::move(out), {x, w_ih, w_hh, b, h0, c0}, [=](Node& self) {
    const float* dOut = self.grad.data();
    const float* outv = self.value.data();
    const float* a_all = acts->data();
    Tensor dpre = empty({B, T, G});  // d(pre-activation gates)
    std::vector<float> dh(B * H, 0.f), dc(B * H, 0.f);
    const float* Whv = parent(self, 2).value.data();
    for (size_t t = T; t-- > 0;) {
      for (size_t bi = 0; bi < B; ++bi) {
        const size_t r = (bi * T + t) * H;
        const float* a = a_all + (bi * T + t) * G;
        const float* tc = tcells->data() + r;
        const float* cprev =
            t ? cells->data() + (bi * T + t - 1) * H : parent(self, 5).value.data() + bi * H;
        float* dp = dpre.data() + (bi * T + t) * G;
        float* dhb = dh.data() + bi * H;
        float* dcb = dc.data() + bi * H;
        for (size_t j = 0; j < H; ++j) {
          const float i = a[j], f = a[H + j], o = a[2 * H + j], g = a[3 * H + j];
          const float dhj = dOut[r + j] + dhb[j];
          const float dcj = dcb[j] + dhj * o * (1.f - tc[j] * tc[j]);
          dp[j] = dcj * g * i * (1.f - i);
          dp[H + j] = dcj * cprev[j] * f * (1.f - f);
          dp[2 * H + j] = dhj * tc[j] * o * (1.f - o);
          dp[3 * H + j] = dcj * i * (1.f - g * g);
          dcb[j] = dcj * f;
        }
      }
      // dh_{t-1} = dpre_t W_hh^T  (dpre_t rows have stride T*G)
      kernels::sgemm(false, true, B, H, G, 1.f, dpre.data() + t * G, T * G, Whv, G, 0.f,
                     dh.data(), H);
    }
    float beta;
    if (needs(self, 0)) {  // dx = dpre W_ih^T
      float* dX = grad_target(parent(self, 0), beta);
      kernels::sgemm(false, true, B * T, I, G, 1.f, dpre.data(), G, parent(self, 1).value.data(),
                     G, beta, dX, I);
    }
    if (needs(self, 1)) {  // dW_ih = x^T dpre
      float* dW = grad_target(parent(self, 1), beta);
      kernels::sgemm(true, false, I, G, B * T, 1.f, parent(self, 0).value.data(), I, dpre.data(),
                     G, beta, dW, G);
    }
    if (needs(self, 2)) {  // dW_hh = sum_t h_{t-1}^T dpre_t
      float* dU = grad_target(parent(self, 2), beta);
      if (T > 1)  // steps 1..T-1 at once: h_{t-1} = out[:, 0..T-2] pairs with dpre[:, 1..T-1]
        for (size_t bi = 0; bi < B; ++bi) {
          kernels::sgemm(true, false, H, G, T - 1, 1.f, outv + bi * T * H, H,
                         dpre.data() + (bi * T + 1) * G, G, beta, dU, G);
          beta = 1.f;
        }
      if (T > 0) {
        kernels::sgemm(true, false, H, G, B, 1.f, parent(self, 4).value.data(), H, dpre.data(),
                       T * G, beta, dU, G);
      }
    }
    if (needs(self, 3)) {
      float* db = parent(self, 3).grad_buffer().data();
      for (size_t r = 0; r < B * T; ++r)
        for (size_t j = 0; j < G; ++j) db[j] += dpre.data()[r * G + j];
    }
    if (needs(self, 4)) parent(self, 4).accumulate_raw(dh.data());
    if (needs(self, 5)) parent(self, 5).accumulate_raw(dc.data());
  });
}

// ---- Conv1d / Highway / MLP / Dropout ---------------------------------------------------------
Conv1d::Conv1d(size_t cin, size_t cout, size_t k, Rng& rng) : kernel_size(k) {
  const float a = 1.f / std::sqrt(static_cast<float>(k * cin));
  weight = register_parameter("weight", init::uniform({k, cin, cout}, rng, -a, a));
  bias = register_parameter("bias", init::uniform({cout}, rng, -a, a));
}

Var Conv1d::forward(const Var& x) const { return conv1d(x, weight, bias); }

Highway::Highway(size_t dim, Rng& rng, float gate_bias) : transform(dim, dim, rng), gate(dim, dim, rng) {
  register_module("transform", transform);
  register_module("gate", gate);
  std::fill(gate.bias.value().begin(), gate.bias.value().end(), gate_bias);
}

Var Highway::forward(const Var& x) const {
  Var t = sigmoid(gate.forward(x));
  Var h = relu(transform.forward(x));
  return add(mul(t, h), mul(1.f - t, x));
}

Var activate(const Var& x, Activation a) {
  switch (a) {
    case Activation::kRelu: return relu(x);
    case Activation::kTanh: return tanh(x);
    case Activation::kSigmoid: return sigmoid(x);
    case Activation::kNone: return x;
  }
  return x;
}

MLP::MLP(const std::vector<size_t>& sizes, Rng& rng, Activation hidden, Activation output)
    : hidden_act(hidden), output_act(output) {
  if (sizes.size() < 2) throw ValueError("MLP needs at least input and output sizes, got " +
                                         shape_str(sizes));
  for (size_t s : sizes)
    if (s == 0) throw ValueError("MLP layer sizes must be positive, got " + shape_str(sizes) + " (a hidden size of 0?)");
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    layers.push_back(std::make_unique<Linear>(sizes[i], sizes[i + 1], rng));
    register_module(std::to_string(i), *layers.back());
  }
}

Var MLP::forward(const Var& x) const {
  Var h = x;
  for (size_t i = 0; i < layers.size(); ++i)
    h = activate(layers[i]->forward(h), i + 1 < layers.size() ? hidden_act : output_act);
  return h;
}

Tensor MLP::infer(const Tensor& x) const {
  const size_t in = layers.front()->in_features;
  if (x.dimension() != 2 || x.shape()[1] != in)
    throw ShapeError("MLP::infer: input " + shape_str(x.shape()) + ", expected [N, " + std::to_string(in) + "]");
  const size_t M = x.shape()[0];
  std::vector<float> a(x.begin(), x.end()), b;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Linear& l = *layers[i];
    const size_t K = l.in_features, N = l.out_features;
    b.resize(M * N);
    // as ops' linear(): bias rows, then Y += X W
    if (l.bias.defined()) {
      for (size_t r = 0; r < M; ++r)
        std::memcpy(b.data() + r * N, l.bias.value().data(), N * sizeof(float));
    } else {
      std::fill(b.begin(), b.end(), 0.f);
    }
    kernels::sgemm(false, false, M, N, K, 1.f, a.data(), K, l.weight.value().data(), N, 1.f, b.data(), N);
    switch (i + 1 < layers.size() ? hidden_act : output_act) {
      case Activation::kRelu:
        for (auto& v : b) v = v > 0.f ? v : 0.f;
        break;
      case Activation::kTanh: kernels::vtanh(b.data(), b.data(), b.size()); break;
      case Activation::kSigmoid: kernels::vsigmoid(b.data(), b.data(), b.size()); break;
      case Activation::kNone: break;
    }
    std::swap(a, b);
  }
  Tensor y = Tensor::from_shape({M, layers.back()->out_features});
  std::copy(a.begin(), a.end(), y.begin());
  return y;
}

Dropout::Dropout(float p_, uint64_t seed) : p(p_), rng(seed) {
  if (!(p >= 0.f && p < 1.f))
    throw ValueError("Dropout: probability must be in [0, 1), got " + std::to_string(p));
}

Var Dropout::forward(const Var& x) { return dropout(x, p, training(), rng); }

}  // namespace seqrl::nets
