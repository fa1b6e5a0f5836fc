// LeakGAN's adversarial phase, taken apart: one pre-trained LeakGAN (the fast protocol on SeqGAN's
// oracle), then from that same state, g-steps with one thing changed at a time, and NLL-oracle
// along the way. It answers where the rise in NLL-oracle that docs/leakgan.md reports comes from.
// usage: leakgan_ablation [ORACLE_DIR=../shared/data/seqgan_oracle] [G_STEPS=20] [EVERY=5] [SEED=1]
// Prints one JSON line per (variant, g-step) measured.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "seqrl/agents/leakgan/leakgan.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/text/tasks.hpp"

using namespace seqrl;

namespace {
struct Variant {
  std::string name;
  float lr = 0.f;          // 0: the protocol's
  bool manager = true;     // update the manager
  bool worker = true;      // update the worker
  size_t d_steps = 0;      // D rounds after each g-step
  std::string rewards;     // "": the rescaled rollout Q; "constant": 0.5 everywhere (no signal)
  std::string rescale;     // "": the variant's (rank)
};

std::map<std::string, nets::Tensor> values(const nets::NamedParams& ps) {
  std::map<std::string, nets::Tensor> v;
  for (const auto& [n, p] : ps) v[n] = p.value();
  return v;
}
void put_back(const nets::NamedParams& ps, const std::map<std::string, nets::Tensor>& v) {
  for (const auto& [n, p] : ps) {
    nets::Var q = p;
    q.value() = v.at(n);
  }
}
}  // namespace

int main(int argc, char** argv) {
  const std::string oracle_dir = argc > 1 ? argv[1] : text::data_path("seqgan_oracle");
  const int g_steps = argc > 2 ? std::atoi(argv[2]) : 20, every = argc > 3 ? std::atoi(argv[3]) : 5;
  const uint64_t seed = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1;
  text::TextTaskOptions o;
  o.oracle_dir = oracle_dir;
  const text::TextTask task = text::load_text_task("oracle", o, seed);
  agents::LeakGANConfig base = agents::leakgan_protocol("fast");
  base.seed = seed;
  base.eval_samples = 2000;
  agents::LeakGAN pre(base, task.real, task.vocab_size, task.oracle.get());
  pre.pretrain([](const std::string& phase, long i, const std::string& name, double v) {
    std::cerr << phase << " " << i << " " << name << " " << v << "\n";
  });
  nets::SafeTensors start;
  pre.save_state(start.tensors, start.metadata, "");
  const std::vector<Variant> variants = {
      {"paper (rank rescale, both updated)", 0.f, true, true, 0, "", ""},
      {"lr 0.001", 0.001f, true, true, 0, "", ""},
      {"manager frozen", 0.f, false, true, 0, "", ""},
      {"worker frozen", 0.f, true, false, 0, "", ""},
      {"constant reward 0.5 (no signal)", 0.f, true, true, 0, "constant", ""},
      {"raw Q (no rescale)", 0.f, true, true, 0, "", "none"},
      {"with 1 d-step per g-step", 0.f, true, true, 1, "", ""},
  };
  for (const Variant& v : variants) {
    agents::LeakGANConfig c = base;
    if (v.lr > 0.f) c.adversarial_lr = v.lr;
    c.rescale = v.rescale;
    agents::LeakGAN lg(c, task.real, task.vocab_size, task.oracle.get());
    lg.load_state(start, "", "<pre-trained>");
    nets::Rng sample_rng(seed + 100);
    auto report = [&](int step, double d) {
      const double nll = lg.nll_oracle();
      std::cout << nlohmann::json{{"variant", v.name}, {"g_step", step}, {"nll_oracle", nll}, {"d_reward", d}}.dump()
                << std::endl;
    };
    report(0, 0.0);
    for (int k = 1; k <= g_steps; ++k) {
      const nets::IntTensor seqs = lg.gen.sample(lg.disc, c.batch, sample_rng);
      double d = 0;
      if (v.rewards.empty() && v.manager && v.worker) {
        d = lg.g_step_on(seqs).at("d_reward");
      } else {
        nets::Tensor r;
        if (v.rewards == "constant") {
          r = nets::Tensor::from_shape({c.batch, (task.real.shape()[1] + c.step_size - 1) / c.step_size});
          r.fill(0.5f);
        } else {
          const nets::Tensor q = lg.q_values(seqs);
          for (size_t b = 0; b < c.batch; ++b) d += q(b, q.shape()[1] - 1) / double(c.batch);
          r = lg.rescale(q);
        }
        const auto keep_m = values(lg.gen.manager_parameters()), keep_w = values(lg.gen.worker_parameters());
        lg.step_generator(lg.losses(seqs, r, false));
        if (!v.manager) put_back(lg.gen.manager_parameters(), keep_m);
        if (!v.worker) put_back(lg.gen.worker_parameters(), keep_w);
      }
      for (size_t s = 0; s < v.d_steps; ++s) lg.d_step(c.d_epochs);
      if (k % every == 0) report(k, d);
    }
  }
  return 0;
}
