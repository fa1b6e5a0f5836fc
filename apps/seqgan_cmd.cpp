// `seqrl seqgan`: an alias of `seqrl train` kept for the commands of earlier results (docs/results.md
// as of commit 91ea315) and scripts written against them. It maps its
// options onto `seqrl train --agent seqgan` (--mode seqgan) or `seqrl train --agent mle` (--mode
// mle: the MLE baseline, the protocol's pre-training epochs plus --mle-extra-epochs, at the
// protocol's learning rate, clip, batch and initialisation), prints that command on stderr and
// runs it through the same handler: one training path, one run folder (metrics.jsonl,
// summary.json, checkpoint). The text metrics of the result come from `seqrl generate` and
// `seqrl score`, or from `seqrl suite`, as for every other generator.
#include <charconv>

#include <nlohmann/json.hpp>

#include "cli_detail.hpp"
#include "seqrl/agents/seqgan/seqgan_trainer.hpp"
#include "seqrl/text/data.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

int seqgan_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string protocol = "fast", task = "oracle", oracle_dir = text::data_path("seqgan_oracle"), out_dir,
              mode = "seqgan", corpus = text::data_path("coco/image_coco.txt");
  uint64_t seed = 1;
  size_t samples = 10000, mle_extra = 10, max_len = 16;
  long total_batches = -1, pretrain_g = -1, pretrain_d = -1, eval_samples = -1;
  float init_std = -1.f;
  po::options_description d(
      "seqrl seqgan options (an alias: it runs `seqrl train --agent seqgan` or, with --mode mle, "
      "`seqrl train --agent mle`, and prints that command)");
  d.add_options()
      ("protocol", po::value(&protocol)->default_value(protocol), "paper or fast (see agents/seqgan/seqgan_trainer.hpp)")
      ("task", po::value(&task)->default_value(task), "oracle (TextOracle-v0), coco (TextCoco-v0) or grammar (TextGrammar-v0)")
      ("mode", po::value(&mode)->default_value(mode), "seqgan, or mle: the baseline (the protocol's pre-training, then --mle-extra-epochs more MLE epochs)")
      ("oracle", po::value(&oracle_dir)->default_value(oracle_dir), "oracle: SeqGAN's oracle folder (.npy files), or 'random' for a fresh N(0,1) oracle from --seed")
      ("samples", po::value(&samples)->default_value(samples), "oracle and grammar: training sequences drawn from the task")
      ("corpus", po::value(&corpus)->default_value(corpus), "coco: training captions")
      ("max-len", po::value(&max_len)->default_value(max_len), "grammar: maximum words per sentence")
      ("seed", po::value(&seed)->default_value(seed), "seed of the data, models and sampling")
      ("total-batches", po::value(&total_batches)->default_value(total_batches), "override the protocol's adversarial batches (-1 = keep)")
      ("pretrain-g-epochs", po::value(&pretrain_g)->default_value(pretrain_g), "override the protocol's MLE epochs (-1 = keep)")
      ("pretrain-d-rounds", po::value(&pretrain_d)->default_value(pretrain_d), "override the protocol's discriminator rounds (-1 = keep)")
      ("init-std", po::value(&init_std)->default_value(init_std), "generator init N(0, s) (SeqGAN: 0.1; 0 = layer defaults; -1 = the protocol's)")
      ("eval-samples", po::value(&eval_samples)->default_value(eval_samples), "oracle: generator samples per NLL-oracle (-1 = the protocol's 9,984)")
      ("mle-extra-epochs", po::value(&mle_extra)->default_value(mle_extra), "mode mle: MLE epochs after pre-training")
      ("out", po::value(&out_dir)->default_value(out_dir), "output folder (metrics.jsonl, summary.json, checkpoint)");
  po::variables_map vm;
  if (parse_args("seqgan", d, args, vm, &out)) return 0;
  require(mode == "seqgan" || mode == "mle", "seqgan", "--mode must be seqgan or mle, got '" + mode + "'");
  require(task == "oracle" || task == "coco" || task == "grammar", "seqgan",
          "--task must be oracle, coco or grammar, got '" + task + "'");
  agents::SeqGANConfig cfg;
  try {
    cfg = agents::seqgan_protocol(protocol);
  } catch (const ConfigError& e) {
    throw ConfigError("seqrl seqgan: --protocol: " + std::string(e.what()));
  }
  if (pretrain_g >= 0) cfg.pretrain_g_epochs = size_t(pretrain_g);
  if (init_std >= 0.f) cfg.init_std = init_std;

  nlohmann::json env_options = nlohmann::json::object();
  std::string env;
  if (task == "oracle") {
    env = "TextOracle-v0";
    env_options["oracle"] = oracle_dir;
    if (oracle_dir == "random") env_options["oracle_seed"] = seed;
  } else if (task == "coco") {
    env = "TextCoco-v0";
    env_options["corpus"] = corpus;
  } else {
    env = "TextGrammar-v0";
    env_options["max_len"] = max_len;
  }
  auto num = [](float v) {  // the shortest text that reads back as the same float
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  };
  Args t = {"--env", env, "--env-options", env_options.dump(), "--seed", std::to_string(seed)};
  if (!out_dir.empty()) t.insert(t.end(), {"--out", out_dir});
  if (task != "coco") t.insert(t.end(), {"--samples", std::to_string(samples)});
  if (mode == "seqgan") {
    t.insert(t.begin(), {"--agent", "seqgan", "--protocol", protocol, "--steps", "0"});
    if (pretrain_g >= 0) t.insert(t.end(), {"--pretrain-g-epochs", std::to_string(pretrain_g)});
    if (pretrain_d >= 0) t.insert(t.end(), {"--pretrain-d-rounds", std::to_string(pretrain_d)});
    if (total_batches >= 0) t.insert(t.end(), {"--total-batches", std::to_string(total_batches)});
    if (init_std >= 0.f) t.insert(t.end(), {"--init-std", num(init_std)});
    if (eval_samples > 0) t.insert(t.end(), {"--eval-samples", std::to_string(eval_samples)});
  } else {
    require(pretrain_d < 0 && total_batches < 0 && eval_samples < 0, "seqgan",
            "--mode mle trains no discriminator and has no adversarial batches: drop --pretrain-d-rounds, "
            "--total-batches and --eval-samples");
    t.insert(t.begin(), {"--agent", "mle"});
    t.insert(t.end(), {"--epochs", std::to_string(cfg.pretrain_g_epochs + mle_extra), "--init-std", num(cfg.init_std),
                       "--lr", num(cfg.g_lr), "--max-grad-norm", num(cfg.clip), "--batch", std::to_string(cfg.batch),
                       "--emb", std::to_string(cfg.emb), "--hidden", std::to_string(cfg.hidden)});
  }
  std::string line = "seqrl train";
  for (const auto& a : t) line += " " + (a.find_first_of(" \"{") == std::string::npos ? a : "'" + a + "'");
  err << "seqrl seqgan: running " << line << "\n";
  return train_command(t, out, err);
}

}  // namespace seqrl::cli
