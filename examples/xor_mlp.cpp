// Trains a small MLP on XOR through the installed seqrl package (find_package(seqrl), seqrl::seqrl); exits non-zero if it fails.
#include <cstdio>

#include <seqrl/nets/layers.hpp>
#include <seqrl/nets/losses.hpp>
#include <seqrl/nets/optim.hpp>

int main() {
  using namespace seqrl::nets;
  Rng rng(1);
  MLP mlp({2, 8, 1}, rng, Activation::kTanh);
  Adam opt(mlp.named_parameters(), 0.05f);
  Var x(Tensor{{0.f, 0.f}, {0.f, 1.f}, {1.f, 0.f}, {1.f, 1.f}});
  Tensor y = Tensor{0.f, 1.f, 1.f, 0.f};
  y.reshape({4, 1});
  float loss = 0;
  for (int i = 0; i < 500; ++i) {
    opt.zero_grad();
    Var l = bce_with_logits(mlp.forward(x), y);
    l.backward();
    opt.step();
    loss = l.item();
  }
  Tensor p = mlp.forward(x).value();
  const bool ok = p(0, 0) < 0 && p(1, 0) > 0 && p(2, 0) > 0 && p(3, 0) < 0;
  std::printf("xor_mlp (find_package(seqrl)): XOR loss %.4f, %s\n", loss, ok ? "learned" : "FAILED");
  return ok ? 0 : 1;
}
