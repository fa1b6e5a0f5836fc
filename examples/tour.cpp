// The README's API tour as a program that runs (built and run by the test command).
#include <cstdio>
#include <sys/stat.h>

#include <xtensor/xbuilder.hpp>

#include <seqrl/nets/checkpoint.hpp>
#include <seqrl/nets/layers.hpp>
#include <seqrl/nets/losses.hpp>
#include <seqrl/nets/models/lstm_generator.hpp>
#include <seqrl/nets/ops.hpp>
#include <seqrl/nets/optim.hpp>
using namespace seqrl::nets;

int main(int argc, char** argv) {
  const std::string oracle = argc > 1 ? argv[1] : "../shared/data/seqgan_oracle";
  Rng rng(1);                                   // every random draw comes from an explicit Rng
  MLP q({4, 120, 84, 2}, rng);                  // a Q-network
  Adam opt(q.named_parameters(), 1e-3f);
  Var obs(Tensor::from_shape({128, 4}));        // Tensor = xt::xarray<float>; Var = autodiff node
  IntTensor actions = xt::zeros<int32_t>({128});
  Var loss = huber(gather(q.forward(obs), actions), xt::zeros<float>({128}));
  opt.zero_grad();
  loss.backward();                              // reverse-mode autodiff
  clip_grad_norm(opt.params(), 10.f);
  opt.step();
  save_checkpoint("/tmp/seqrl_tour_q.safetensors", q, &opt);  // the safetensors format

  LSTMGeneratorConfig cfg;                      // SeqGAN's sizes: vocab 5000, emb/hidden 32, length 20
  LSTMGenerator gen(cfg, rng);
  struct stat st;
  if (::stat(oracle.c_str(), &st) == 0) gen.load_seqgan_npy(oracle);  // SeqGAN's oracle
  IntTensor seqs = gen.sample(64, rng);         // [64, 20]
  Var nll = gen.nll(seqs);                      // teacher-forced NLL, fused output layer
  Tensor logp = gen.log_probs(seqs);            // [64, 20] per-token log-probabilities, no graph
  std::printf("tour: Q loss %.4f, generator NLL of its own samples %.4f (%s)\n", loss.item(),
              nll.item(), ::stat(oracle.c_str(), &st) == 0 ? "SeqGAN's oracle" : "random init");
  std::remove("/tmp/seqrl_tour_q.safetensors");
  return 0;
}
