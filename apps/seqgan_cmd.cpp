// `seqrl seqgan`: SeqGAN (or its MLE baseline) on the synthetic oracle task, with the paper's or
// the fast protocol; metrics.jsonl, summary.json (phase wall times, NLL-oracle) and samples.
#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_detail.hpp"
#include "seqrl/agents/mle.hpp"
#include "seqrl/agents/seqgan.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/text/oracle.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

int seqgan_command(const std::vector<std::string>& args, std::ostream& out, std::ostream* help_out) {
  std::string protocol = "fast", oracle_dir = "../shared/data/seqgan_oracle", out_dir, mode = "seqgan";
  uint64_t seed = 1;
  size_t samples = 10000, mle_extra = 10;
  long total_batches = -1, pretrain_g = -1, pretrain_d = -1;
  po::options_description d("seqrl seqgan options");
  d.add_options()
      ("protocol", po::value(&protocol)->default_value(protocol), "paper or fast (see agents/seqgan.hpp)")
      ("mode", po::value(&mode)->default_value(mode), "seqgan, or mle: the baseline (pre-training, then --mle-extra-epochs more MLE epochs)")
      ("oracle", po::value(&oracle_dir)->default_value(oracle_dir), "SeqGAN's oracle folder (.npy files), or 'random' for a fresh N(0,1) oracle from --seed")
      ("samples", po::value(&samples)->default_value(samples), "training sequences drawn from the oracle")
      ("seed", po::value(&seed)->default_value(seed), "seed of the data, models and sampling")
      ("total-batches", po::value(&total_batches)->default_value(total_batches), "override the protocol's adversarial batches (-1 = keep)")
      ("pretrain-g-epochs", po::value(&pretrain_g)->default_value(pretrain_g), "override the protocol's MLE epochs (-1 = keep)")
      ("pretrain-d-rounds", po::value(&pretrain_d)->default_value(pretrain_d), "override the protocol's discriminator rounds (-1 = keep)")
      ("mle-extra-epochs", po::value(&mle_extra)->default_value(mle_extra), "mode mle: MLE epochs after pre-training")
      ("out", po::value(&out_dir)->default_value(out_dir), "output folder (metrics.jsonl, summary.json, samples.txt)");
  po::variables_map vm;
  if (parse_args("seqgan", d, args, vm, help_out)) return 0;
  require(mode == "seqgan" || mode == "mle", "seqgan", "--mode must be seqgan or mle, got '" + mode + "'");
  agents::SeqGANConfig cfg = agents::seqgan_protocol(protocol);
  cfg.seed = seed;
  if (total_batches >= 0) cfg.total_batches = size_t(total_batches);
  if (pretrain_g >= 0) cfg.pretrain_g_epochs = size_t(pretrain_g);
  if (pretrain_d >= 0) cfg.pretrain_d_rounds = size_t(pretrain_d);
  const text::Oracle oracle = oracle_dir == "random" ? text::Oracle::random(nets::LSTMGeneratorConfig(), seed)
                                                     : text::Oracle::from_npy(oracle_dir);
  nets::Rng data_rng(seed + 1000);
  const nets::IntTensor real = oracle.sample(samples, data_rng);
  // held-out oracle data: NLL-test shows what NLL-oracle hides (a generator that drops modes
  // scores well on NLL-oracle and badly here)
  const nets::IntTensor held_out = oracle.sample(2000, data_rng);
  agents::SeqGAN gan(cfg, real, oracle.config().vocab, &oracle);
  std::ofstream jsonl;
  if (!out_dir.empty()) {
    std::system(("mkdir -p '" + out_dir + "'").c_str());
    jsonl.open(out_dir + "/metrics.jsonl");
    if (!jsonl) throw IOError("cannot write into '" + out_dir + "'");
  }
  nlohmann::json last = nlohmann::json::object();
  auto log = [&](const std::string& phase, long step, const std::string& key, double v) {
    nlohmann::json j = {{"phase", phase}, {"step", step}, {key, v}};
    if (jsonl.is_open()) jsonl << j.dump() << "\n" << std::flush;
    last[phase + "." + key] = v;
    if (key == "nll_oracle") out << j.dump() << "\n" << std::flush;
  };
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point a) { return std::chrono::duration<double>(clock::now() - a).count(); };
  nlohmann::json phases = nlohmann::json::object();
  const double nll0 = gan.nll_oracle();
  log("init", 0, "nll_oracle", nll0);
  log("init", 0, "nll_test", gan.nll_of(held_out));
  auto t = clock::now();
  gan.pretrain_generator(log);
  phases["pretrain_g"] = secs(t);
  const double nll_pre = gan.nll_oracle(), test_pre = gan.nll_of(held_out);
  if (mode == "mle") {
    agents::MLEConfig m;
    m.lr = cfg.g_lr;
    m.clip = cfg.clip;
    m.batch = cfg.batch;
    m.seed = seed + 2;
    agents::MLETrainer trainer(gan.gen, m);
    t = clock::now();
    for (size_t e = 1; e <= mle_extra; ++e) {
      log("mle_extra", long(e), "train_nll", trainer.epoch(real));
      log("mle_extra", long(e), "nll_oracle", gan.nll_oracle());
    }
    phases["mle_extra"] = secs(t);
  } else {
    t = clock::now();
    gan.pretrain_discriminator(log);
    phases["pretrain_d"] = secs(t);
    t = clock::now();
    gan.adversarial(log);
    phases["adversarial"] = secs(t);
  }
  const double nll_final = gan.nll_oracle(), test_final = gan.nll_of(held_out);
  nlohmann::json summary = {{"agent", mode}, {"task", "oracle"}, {"oracle", oracle_dir}, {"seed", seed},
                            {"nll_oracle_init", nll0}, {"nll_oracle_after_pretrain", nll_pre},
                            {"nll_oracle_final", nll_final}, {"nll_test_after_pretrain", test_pre},
                            {"nll_test_final", test_final}, {"phase_seconds", phases},
                            {"config", cfg}, {"mle_extra_epochs", mode == "mle" ? mle_extra : 0}};
  if (!out_dir.empty()) {
    nets::write_file_atomic(out_dir + "/summary.json", summary.dump(1) + "\n");
    nets::save_checkpoint(out_dir + "/generator.safetensors", gan.gen, nullptr, {{"agent", mode}});
    nets::Rng srng(seed + 3);
    const nets::IntTensor s = gan.gen.sample(100, srng);
    std::string text;
    for (size_t i = 0; i < s.shape()[0]; ++i) {
      for (size_t j = 0; j < s.shape()[1]; ++j) text += (j ? " " : "") + std::to_string(s(i, j));
      text += "\n";
    }
    nets::write_file_atomic(out_dir + "/samples.txt", text);
  }
  out << summary.dump() << "\n";
  return 0;
}

}  // namespace seqrl::cli
