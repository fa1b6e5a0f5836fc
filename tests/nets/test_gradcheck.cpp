// Every differentiable op, loss and layer against finite differences on random inputs.
#include "gradcheck.hpp"

#include "seqrl/nets/layers.hpp"
#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/models/lstm_generator.hpp"

using namespace seqrl;
using namespace seqrl::nets;
using seqrl::test::check_gradients;
using seqrl::test::check_param_gradients;
using seqrl::test::random_tensor;
using V = std::vector<Var>;

namespace {
Rng& rng() {
  static Rng r(12345);
  return r;
}
Tensor R(const Shape& s, float lo = -1.f, float hi = 1.f) { return random_tensor(s, rng(), lo, hi); }
IntTensor ids(const Shape& s, int32_t n) {
  IntTensor t = IntTensor::from_shape(s);
  for (auto& v : t) v = static_cast<int32_t>(rng().randint(n));
  return t;
}
}  // namespace

TEST_CASE("gradcheck: matmul in all transpose forms and with N-D a", "[nets][grad]") {
  check_gradients([](const V& v) { return matmul(v[0], v[1]); }, {R({3, 4}), R({4, 5})});
  check_gradients([](const V& v) { return matmul(v[0], v[1], true, false); }, {R({4, 3}), R({4, 5})});
  check_gradients([](const V& v) { return matmul(v[0], v[1], false, true); }, {R({3, 4}), R({5, 4})});
  check_gradients([](const V& v) { return matmul(v[0], v[1], true, true); }, {R({4, 3}), R({5, 4})});
  check_gradients([](const V& v) { return matmul(v[0], v[1]); }, {R({2, 3, 4}), R({4, 5})});
}

TEST_CASE("gradcheck: bmm and linear", "[nets][grad]") {
  check_gradients([](const V& v) { return bmm(v[0], v[1]); }, {R({2, 3, 4}), R({2, 4, 5})});
  check_gradients([](const V& v) { return bmm(v[0], v[1], true, true); }, {R({2, 4, 3}), R({2, 5, 4})});
  check_gradients([](const V& v) { return linear(v[0], v[1], v[2]); }, {R({2, 3, 4}), R({4, 5}), R({5})});
}

TEST_CASE("gradcheck: broadcasting add/sub/mul/div", "[nets][grad]") {
  check_gradients([](const V& v) { return add(v[0], v[1]); }, {R({3, 4}), R({4})});
  check_gradients([](const V& v) { return sub(v[0], v[1]); }, {R({3, 1}), R({1, 4})});
  check_gradients([](const V& v) { return mul(v[0], v[1]); }, {R({2, 3, 4}), R({3, 1})});
  check_gradients([](const V& v) { return div(v[0], v[1]); }, {R({3, 4}), R({3, 4}, 0.5f, 2.f)});
  check_gradients([](const V& v) { return neg(v[0]) * 3.f + 2.f; }, {R({5})});
  check_gradients([](const V& v) { return square(v[0]); }, {R({5})});
  check_gradients([](const V& v) { return sqrt(v[0]); }, {R({5}, 0.5f, 2.f)});
}

TEST_CASE("gradcheck: exp/log/tanh/sigmoid/relu/softplus", "[nets][grad]") {
  check_gradients([](const V& v) { return exp(v[0]); }, {R({4, 5})});
  check_gradients([](const V& v) { return log(v[0]); }, {R({4, 5}, 0.5f, 3.f)});
  check_gradients([](const V& v) { return tanh(v[0]); }, {R({4, 5}, -2.f, 2.f)});
  check_gradients([](const V& v) { return sigmoid(v[0]); }, {R({4, 5}, -3.f, 3.f)});
  // relu away from its kink at 0
  Tensor x = R({4, 5});
  for (auto& e : x) e += e >= 0 ? 0.1f : -0.1f;
  check_gradients([](const V& v) { return relu(v[0]); }, {x});
  check_gradients([](const V& v) { return softplus(v[0]); }, {R({4, 5}, -5.f, 5.f)});
}

TEST_CASE("gradcheck: sum and mean, whole and over axes", "[nets][grad]") {
  check_gradients([](const V& v) { return sum(v[0]); }, {R({3, 4})});
  check_gradients([](const V& v) { return mean(v[0]); }, {R({3, 4})});
  check_gradients([](const V& v) { return sum(v[0], {1}); }, {R({2, 3, 4})});
  check_gradients([](const V& v) { return sum(v[0], {0, 2}, true); }, {R({2, 3, 4})});
  check_gradients([](const V& v) { return mean(v[0], {2}); }, {R({2, 3, 4})});
}

TEST_CASE("gradcheck: reshape/transpose/concat/slice/stack", "[nets][grad]") {
  check_gradients([](const V& v) { return reshape(v[0], {4, 3}); }, {R({3, 4})});
  check_gradients([](const V& v) { return transpose(v[0], {2, 0, 1}); }, {R({2, 3, 4})});
  check_gradients([](const V& v) { return transpose(v[0]); }, {R({3, 4})});
  check_gradients([](const V& v) { return concat({v[0], v[1]}, 1); }, {R({2, 3, 4}), R({2, 2, 4})});
  check_gradients([](const V& v) { return slice(v[0], 1, 1, 3); }, {R({2, 4, 3})});
  check_gradients([](const V& v) { return stack({v[0], v[1]}, 1); }, {R({2, 3}), R({2, 3})});
}

TEST_CASE("gradcheck: softmax and log_softmax", "[nets][grad]") {
  check_gradients([](const V& v) { return softmax(v[0]); }, {R({3, 6}, -2.f, 2.f)});
  check_gradients([](const V& v) { return log_softmax(v[0]); }, {R({2, 3, 6}, -2.f, 2.f)});
}

TEST_CASE("gradcheck: embedding and gather", "[nets][grad]") {
  IntTensor i = ids({2, 3}, 5);
  i(0, 0) = i(1, 2);  // a repeated id accumulates
  check_gradients([i](const V& v) { return embedding(v[0], i); }, {R({5, 4})});
  IntTensor g = ids({4}, 3);
  check_gradients([g](const V& v) { return gather(v[0], g); }, {R({4, 3})});
}

TEST_CASE("gradcheck: conv1d and max over time", "[nets][grad]") {
  check_gradients([](const V& v) { return conv1d(v[0], v[1], v[2]); },
                  {R({2, 6, 3}), R({3, 3, 4}), R({4})});
  // max is not differentiable at ties: use values spaced well beyond eps, in random order
  Tensor x = Tensor::from_shape({2, 5, 3});
  for (size_t i = 0; i < x.size(); ++i) x.data()[i] = 0.1f * float(i);
  for (size_t i = x.size(); i > 1; --i) std::swap(x.data()[i - 1], x.data()[rng().randint(i)]);
  check_gradients([](const V& v) { return max_over_time(v[0]); }, {x});
  check_gradients([](const V& v) { return max_over_time(conv1d(v[0], v[1], v[2])); },
                  {R({2, 7, 3}), R({2, 3, 5}), R({5})}, {1e-3f, 2e-2f, 1e-3f, 60});
}

TEST_CASE("gradcheck: dropout with a fixed mask, l2_normalize, cosine, stop_gradient", "[nets][grad]") {
  check_gradients([](const V& v) {
    Rng r(3);  // same mask on every evaluation
    return dropout(v[0], 0.3f, true, r);
  }, {R({4, 5})});
  check_gradients([](const V& v) { return l2_normalize(v[0]); }, {R({3, 4})});
  check_gradients([](const V& v) { return cosine_similarity(v[0], v[1]); }, {R({3, 4}), R({3, 4})});
}

TEST_CASE("gradcheck: losses", "[nets][grad]") {
  IntTensor t = ids({2, 3}, 5);
  Tensor mask = {{1.f, 1.f, 0.f}, {1.f, 0.f, 1.f}};
  check_gradients([t](const V& v) { return cross_entropy(v[0], t); }, {R({2, 3, 5}, -2.f, 2.f)});
  check_gradients([t, mask](const V& v) { return cross_entropy(v[0], t, mask); }, {R({2, 3, 5}, -2.f, 2.f)});
  check_gradients([t, mask](const V& v) { return linear_cross_entropy(v[0], v[1], v[2], t, mask); },
                  {R({2, 3, 4}), R({4, 5}), R({5})});
  Tensor y = R({3, 4}, 0.f, 1.f);
  check_gradients([y](const V& v) { return bce_with_logits(v[0], y); }, {R({3, 4}, -3.f, 3.f)});
  check_gradients([y](const V& v) { return mse(v[0], y); }, {R({3, 4})});
  Tensor z = xt::zeros<float>({3, 4});
  Tensor p = R({3, 4}, -3.f, 3.f);
  for (auto& e : p) if (std::fabs(std::fabs(e) - 1.f) < 0.05f) e += 0.2f;  // away from the kink
  check_gradients([z](const V& v) { return huber(v[0], z, 1.f); }, {p});
  check_gradients([](const V& v) { return kl_normal(v[0], v[1]); }, {R({3, 4}), R({3, 4})});
}

TEST_CASE("gradcheck: layers", "[nets][grad]") {
  Rng r(5);
  SECTION("LSTM sequence op, including the initial state") {
    check_gradients([](const V& v) { return lstm_sequence(v[0], v[1], v[2], v[3], v[4], v[5]); },
                    {R({2, 4, 3}), R({3, 8}), R({2, 8}), R({8}), R({2, 2}), R({2, 2})});
  }
  SECTION("LSTMCell (composed ops)") {
    check_gradients([](const V& v) {
      Rng rr(1);
      LSTMCell cell(3, 2, rr);
      cell.w_ih = v[1];  // the cell computes with the checked input as its weight
      LSTMState s{v[2], v[3]};
      LSTMState o = cell.forward(v[0], s);
      return concat({o.h, o.c}, 1);
    }, {R({2, 3}), R({3, 8}), R({2, 2}), R({2, 2})});
  }
  SECTION("Highway, MLP, Conv1d as modules, through their inputs and parameters") {
    Highway hw(4, r);
    check_gradients([&hw](const V& v) { return hw.forward(v[0]); }, {R({3, 4})});
    MLP mlp({4, 6, 2}, r, Activation::kTanh);
    check_gradients([&mlp](const V& v) { return mlp.forward(v[0]); }, {R({3, 4})});
    Conv1d conv(3, 2, 2, r);
    check_gradients([&conv](const V& v) { return conv.forward(v[0]); }, {R({2, 5, 3})});
    Tensor x = R({3, 4});
    check_param_gradients([&] { return sum(square(hw.forward(Var(x)))); }, hw.named_parameters());
    check_param_gradients([&] { return sum(square(mlp.forward(Var(x)))); }, mlp.named_parameters());
    Tensor xs = R({2, 5, 3});
    check_param_gradients([&] { return sum(square(conv.forward(Var(xs)))); }, conv.named_parameters());
  }
  SECTION("LSTMGenerator NLL w.r.t. all of its parameters") {
    LSTMGeneratorConfig gc;
    gc.vocab = 7;
    gc.emb = 3;
    gc.hidden = 4;
    gc.seq_len = 5;
    Rng rr(2);
    auto gen = std::make_shared<LSTMGenerator>(gc, rr);
    IntTensor seqs = ids({2, 5}, 7);
    // every parameter: embedding, LSTM (fused op), output layer (fused softmax cross-entropy)
    check_param_gradients([&] { return gen->nll(seqs); }, gen->named_parameters(),
                          {1e-2f, 3e-2f, 1e-3f, 30});
  }
}
