// Layers: Linear, Embedding, LSTMCell, LSTM, Conv1d, Highway, MLP, Dropout.
// Initialisers follow PyTorch's defaults unless stated (users compare against it), drawn from the
// Rng passed to the constructor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "seqrl/nets/module.hpp"
#include "seqrl/nets/rng.hpp"

namespace seqrl::nets {

// y = x W + b. x [..., in] -> [..., out]. W ~ U(-1/sqrt(in), 1/sqrt(in)), b likewise.
class Linear : public Module {
 public:
  Linear(size_t in, size_t out, Rng& rng, bool bias = true);
  Var forward(const Var& x) const;
  Var weight, bias;  // [in, out], [out] (bias undefined when bias == false)
  size_t in_features, out_features;
};

// Rows of a [V, E] table. Init N(0, 1).
class Embedding : public Module {
 public:
  Embedding(size_t num, size_t dim, Rng& rng);
  Var forward(const IntTensor& ids) const;  // ids [...] -> [..., E]
  Var weight;
  size_t num_embeddings, embedding_dim;
};

struct LSTMState {
  Var h, c;  // [B, H] each
};

// One LSTM step with explicit state, for step-by-step generation. Gate order (i, f, o, g) as in
// SeqGAN's target_lstm.py: gates = x W_ih + h W_hh + b; c' = f c + i g; h' = o tanh(c').
// W_ih [in, 4H], W_hh [H, 4H], b [4H]; init U(-1/sqrt(H), 1/sqrt(H)); forget_bias is added to the
// forget gate's bias at init (0 = PyTorch, 1 = a common choice).
class LSTMCell : public Module {
 public:
  LSTMCell(size_t in, size_t hidden, Rng& rng, float forget_bias = 0.f);
  LSTMState forward(const Var& x, const LSTMState& state) const;
  LSTMState zero_state(size_t batch) const;
  Var w_ih, w_hh, b;
  size_t input_size, hidden_size;
};

// The whole sequence at once: x [B, T, in] -> out [B, T, H], with a fused forward and a hand
// written backward through time (same parameters and equations as LSTMCell). The gradient flows
// into x, the parameters and the initial state; the returned final c carries no gradient (state
// hand-over for generation). final h is out[:, T-1].
class LSTM : public Module {
 public:
  LSTM(size_t in, size_t hidden, Rng& rng, float forget_bias = 0.f);
  struct Output {
    Var out;          // [B, T, H]
    LSTMState final;  // h [B, H] (differentiable, a slice of out), c [B, H] (no gradient)
  };
  Output forward(const Var& x, const LSTMState* init = nullptr) const;
  LSTMCell cell;  // owns the parameters; usable for stepping with the same weights
  size_t input_size, hidden_size;
};

// The fused sequence op behind LSTM (exposed for gradient checks). h0, c0 [B, H].
Var lstm_sequence(const Var& x, const Var& w_ih, const Var& w_hh, const Var& b, const Var& h0,
                  const Var& c0, Tensor* final_c = nullptr);

// 'valid' convolution over time: x [B, T, Cin] -> [B, T-K+1, Cout]. Init U(-1/sqrt(K Cin), ...).
class Conv1d : public Module {
 public:
  Conv1d(size_t in_channels, size_t out_channels, size_t kernel_size, Rng& rng);
  Var forward(const Var& x) const;
  Var weight, bias;  // [K, Cin, Cout], [Cout]
  size_t kernel_size;
};

// Highway layer (Srivastava et al. 2015) as SeqGAN's discriminator uses it:
// t = sigmoid(x W_t + b_t), y = t * relu(x W_h + b_h) + (1 - t) * x; b_t starts at gate_bias.
class Highway : public Module {
 public:
  Highway(size_t dim, Rng& rng, float gate_bias = -2.f);
  Var forward(const Var& x) const;
  Linear transform, gate;
};

enum class Activation { kRelu, kTanh, kSigmoid, kNone };
Var activate(const Var& x, Activation a);

// Linear layers with an activation between them (none after the last unless asked).
class MLP : public Module {
 public:
  MLP(const std::vector<size_t>& sizes, Rng& rng, Activation hidden = Activation::kRelu,
      Activation output = Activation::kNone);
  Var forward(const Var& x) const;
  // forward(x).value() computed without autodiff: the same kernels in the same order (so the
  // same bits), none of the graph's nodes. For acting in a loop. x: [N, in] -> [N, out].
  Tensor infer(const Tensor& x) const;
  std::vector<std::unique_ptr<Linear>> layers;
  Activation hidden_act, output_act;
};

// Inverted dropout with its own seeded Rng; active in training mode only.
class Dropout : public Module {
 public:
  explicit Dropout(float p, uint64_t seed = 0);
  Var forward(const Var& x);
  float p;
  Rng rng;
};

}  // namespace seqrl::nets
