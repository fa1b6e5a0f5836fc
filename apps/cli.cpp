// The `seqrl` command (Boost.Program_options).
#include "cli.hpp"
#include "cli_detail.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <sys/stat.h>

#include <boost/program_options.hpp>

#include "seqrl/agents/factory.hpp"
#include "seqrl/agents/mle.hpp"
#include "seqrl/agents/random_agent.hpp"
#include "seqrl/bench/rl_bench.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/text/oracle.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

namespace {

const char* kUsage =
    "usage: seqrl <command> [options]\n"
    "\n"
    "commands:\n"
    "  demo    learn SeqGAN's synthetic oracle by maximum likelihood and report NLL-oracle\n"
    "  bench   speed benchmarks (JSON on stdout)\n"
    "  train   train an agent on an environment (seqrl train --agent dqn --env CartPole-v1);\n"
    "          Ctrl-C saves a checkpoint; seqrl train --resume OUT/checkpoint.safetensors continues\n"
    "  eval    evaluate a saved agent: seqrl eval --checkpoint F --env ID --episodes K\n"
    "  rollout write trajectories as JSON lines: seqrl rollout --env ID --policy random --out F\n"
    "  grammar sentences from the built-in caption grammar: seqrl grammar --n 10000 --out F\n"
    "  mle     an LSTM language model on a text corpus: seqrl mle --corpus F --test G --out DIR\n"
    "  generate sentences from a saved generator: seqrl generate --checkpoint F --n 100\n"
    "  seqgan  SeqGAN on the synthetic oracle: seqrl seqgan --protocol fast --seed 1 --out DIR\n"
    "  fit     an AE, VAE or GAN: seqrl fit vae --data coco --seed 1 --out DIR (ring8, grid25,\n"
    "          oracle, coco, grammar or a text file); --resume OUT/checkpoint.safetensors continues\n"
    "  score   a text metric of a samples file: seqrl score --metric bleu --samples F --references R\n"
    "  tokenize split a text file into tokens: seqrl tokenize --tokenizer nltk --input F\n"
    "  list    list environments or agents (seqrl list envs|agents)\n"
    "  help    this text\n"
    "\n"
    "Every command takes --help (its options with their defaults) and --config FILE (an INI file\n"
    "of option=value lines; options given on the command line win).\n";

// The line of an INI file that sets `key` (for error messages), or 0.
int find_line(const std::string& file, const std::string& key) {
  std::ifstream f(file);
  std::string line;
  for (int n = 1; std::getline(f, line); ++n) {
    const auto b = line.find_first_not_of(" \t");
    if (b != std::string::npos && line.compare(b, key.size(), key) == 0) return n;
  }
  return 0;
}

}  // namespace

// Parses args into vm against desc, then the --config file if given. Throws ConfigError.
bool parse_args(const std::string& cmd, po::options_description& desc,
                const std::vector<std::string>& args, po::variables_map& vm, std::ostream* help_out) {
  desc.add_options()("config", po::value<std::string>(), "INI file of option=value lines")(
      "help,h", "print the options with their defaults");
  try {
    // no guessing of abbreviated long options: a typo such as --epoch is an error, not --epochs
    po::store(po::command_line_parser(args)
                  .options(desc)
                  .style(po::command_line_style::default_style &
                         ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
  } catch (const po::error& e) {
    throw ConfigError("seqrl " + cmd + ": " + e.what() + " (see 'seqrl " + cmd + " --help')");
  }
  if (vm.count("help")) {
    if (help_out) *help_out << "usage: seqrl " << cmd << " [options]\n\n" << desc << "\n";
    return true;
  }
  if (vm.count("config")) {
    const std::string file = vm["config"].as<std::string>();
    std::ifstream f(file);
    if (!f) throw ConfigError("seqrl " + cmd + ": cannot open config file '" + file + "'");
    try {
      po::store(po::parse_config_file(f, desc, false), vm);
    } catch (const po::error& e) {
      std::string key;
      if (auto* u = dynamic_cast<const po::unknown_option*>(&e)) key = u->get_option_name();
      if (auto* v = dynamic_cast<const po::invalid_option_value*>(&e)) key = v->get_option_name();
      while (!key.empty() && key[0] == '-') key.erase(0, 1);
      const int line = key.empty() ? 0 : find_line(file, key);
      throw ConfigError("seqrl " + cmd + ": config file '" + file + "'" +
                        (line ? ", line " + std::to_string(line) : std::string()) + ": " +
                        e.what());
    }
  }
  try {
    po::notify(vm);
  } catch (const po::error& e) {
    throw ConfigError("seqrl " + cmd + ": " + e.what());
  }
  return false;
}

void require(bool ok, const std::string& cmd, const std::string& msg) {
  if (!ok) throw ConfigError("seqrl " + cmd + ": " + msg);
}

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

namespace {

int run_demo(const DemoConfig& c, std::ostream& out) {
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point t0) {
    return std::chrono::duration<double>(clock::now() - t0).count();
  };
  nets::LSTMGeneratorConfig gc;  // SeqGAN's sizes: vocab 5000, emb 32, hidden 32, length 20
  std::unique_ptr<text::Oracle> oracle;
  if (c.random_oracle) {
    oracle = std::make_unique<text::Oracle>(text::Oracle::random(gc, c.oracle_seed));
    out << "oracle: a fresh N(0,1) LSTM (seed " << c.oracle_seed << ")\n";
  } else {
    if (!is_dir(c.oracle))
      throw IOError("oracle folder '" + c.oracle +
                    "' not found; pass --oracle DIR (SeqGAN's oracle as .npy files) or "
                    "--random-oracle");
    oracle = std::make_unique<text::Oracle>(text::Oracle::from_npy(c.oracle, gc));
    out << "oracle: SeqGAN's target LSTM from " << c.oracle << "\n";
  }
  nets::Rng data_rng(c.seed * 1000003 + 1), eval_rng(c.seed * 1000003 + 2), init_rng(c.seed);
  auto t0 = clock::now();
  nets::IntTensor data = oracle->sample(c.samples, data_rng);
  out << std::fixed << std::setprecision(3);
  out << "training data: " << c.samples << " oracle samples of " << gc.seq_len
      << " tokens (vocabulary " << gc.vocab << "), NLL-oracle of the data itself "
      << oracle->nll(data) << " (" << secs(t0) << " s)\n";
  nets::LSTMGenerator gen(gc, init_rng);
  agents::MLEConfig mc;
  mc.lr = c.lr;
  mc.batch = c.batch;
  mc.seed = c.seed;
  agents::MLETrainer trainer(gen, mc);
  auto nll_oracle = [&] { return oracle->nll(gen.sample(c.eval_samples, eval_rng)); };
  out << "generator: LSTM " << gc.emb << "/" << gc.hidden << ", " << gen.num_parameters()
      << " parameters, Adam " << c.lr << ", clip 5, batch " << c.batch << "\n\n";
  out << "epoch  train-NLL  NLL-oracle  seconds\n";
  out << std::setw(5) << 0 << "  " << std::setw(9) << "-" << "  " << std::setw(10) << nll_oracle()
      << "  " << std::setw(7) << 0.0 << "\n";
  for (size_t e = 1; e <= c.epochs; ++e) {
    auto te = clock::now();
    const double train = trainer.epoch(data);
    const double t_train = secs(te);
    out << std::setw(5) << e << "  " << std::setw(9) << train << "  " << std::setw(10)
        << nll_oracle() << "  " << std::setw(7) << t_train << std::endl;
  }
  out << "\nWhat it learned: NLL-oracle fell from the random generator's value toward the "
         "oracle's own entropy (the data line above).\nThree generated sequences (token ids):\n";
  nets::IntTensor s = gen.sample(3, eval_rng);
  nets::Tensor lp = oracle->model().log_probs(s);
  for (size_t i = 0; i < 3; ++i) {
    double nll = 0;
    out << " ";
    for (size_t t = 0; t < gc.seq_len; ++t) {
      out << ' ' << s(i, t);
      nll -= lp(i, t);
    }
    out << "   (oracle NLL " << nll / gc.seq_len << " per token)\n";
  }
  out << "total " << secs(t0) << " s\n";
  return 0;
}

}  // namespace

DemoConfig parse_demo(const std::vector<std::string>& args, bool* help, std::ostream* help_out) {
  DemoConfig c;
  po::options_description d("seqrl demo options");
  d.add_options()
      ("oracle", po::value(&c.oracle)->default_value(c.oracle), "folder of SeqGAN's oracle .npy files")
      ("random-oracle", po::bool_switch(&c.random_oracle), "use a fresh N(0,1) oracle instead (default off)")
      ("oracle-seed", po::value(&c.oracle_seed)->default_value(c.oracle_seed), "seed of the random oracle")
      ("samples", po::value(&c.samples)->default_value(c.samples), "training sequences drawn from the oracle")
      ("epochs", po::value(&c.epochs)->default_value(c.epochs), "MLE passes over the training data")
      ("batch", po::value(&c.batch)->default_value(c.batch), "sequences per update")
      ("lr", po::value(&c.lr)->default_value(c.lr, "0.01"), "Adam learning rate")
      ("eval-samples", po::value(&c.eval_samples)->default_value(c.eval_samples), "generator samples scored by the oracle")
      ("seed", po::value(&c.seed)->default_value(c.seed), "seed of the generator, shuffling and sampling");
  po::variables_map vm;
  const bool h = parse_args("demo", d, args, vm, help_out);
  if (help) *help = h;
  if (h) return c;
  require(c.epochs >= 1, "demo", "--epochs must be >= 1, got " + std::to_string(c.epochs));
  require(c.batch >= 1, "demo", "--batch must be >= 1, got " + std::to_string(c.batch));
  require(c.samples >= c.batch, "demo", "--samples (" + std::to_string(c.samples) +
                                            ") must be at least one batch (" +
                                            std::to_string(c.batch) + ")");
  require(c.lr > 0.f, "demo", "--lr must be > 0, got " + std::to_string(c.lr));
  require(c.eval_samples >= 1, "demo", "--eval-samples must be >= 1");
  return c;
}

BenchConfig parse_bench(const std::vector<std::string>& args, bool* help, std::ostream* help_out) {
  BenchConfig c;
  po::options_description d("seqrl bench options");
  d.add_options()
      ("suite", po::value(&c.suite)->default_value(c.suite), "which benchmark suite: nets, rl")
      ("parts", po::value(&c.nets.parts)->default_value(c.nets.parts), "comma-separated parts: matmul,mle,sample,disc,rollout")
      ("rollout-repeats", po::value(&c.nets.rollout_repeats)->default_value(c.nets.rollout_repeats), "timed calls of the rollout reward (seconds each)")
      ("repeats", po::value(&c.nets.repeats)->default_value(c.nets.repeats), "timed blocks per figure")
      ("min-time", po::value(&c.nets.min_time)->default_value(c.nets.min_time), "seconds per timed block at least")
      ("warmup", po::value(&c.nets.warmup)->default_value(c.nets.warmup), "untimed calls first")
      ("seed", po::value(&c.nets.seed)->default_value(c.nets.seed), "seed of the random inputs")
      ("out", po::value(&c.out)->default_value(c.out), "also write the JSON to this file");
  po::variables_map vm;
  const bool h = parse_args("bench", d, args, vm, help_out);
  if (help) *help = h;
  if (h) return c;
  require(c.suite == "nets" || c.suite == "rl", "bench",
          "unknown --suite '" + c.suite + "' (known: nets, rl)");
  std::stringstream ss(c.nets.parts);
  for (std::string p; std::getline(ss, p, ',');)
    require(p == "matmul" || p == "mle" || p == "sample" || p == "disc" || p == "rollout", "bench",
            "unknown part '" + p + "' in --parts (known: matmul, mle, sample, disc, rollout)");
  require(c.nets.repeats >= 1, "bench", "--repeats must be >= 1");
  require(c.nets.min_time > 0, "bench", "--min-time must be > 0");
  return c;
}

agents::DQNConfig dqn_defaults(const std::string& env_id, long total_steps) {
  agents::DQNConfig c;  // CleanRL's dqn.py defaults
  c.total_steps = total_steps;
  if (env_id == "CartPole-v1" || env_id == "CartPole-v0") {
    // rl-zoo's tuned DQN for CartPole-v1 (hyperparams/dqn.yml), which SB3 runs with Huber loss
    // and gradient clipping at 10.
    c.hidden = {256, 256};
    c.lr = 2.3e-3f;
    c.batch_size = 64;
    c.buffer_size = 100000;
    c.learning_starts = 1000;
    c.gamma = 0.99f;
    c.target_update = 10;
    c.train_frequency = 256;
    c.gradient_steps = 128;
    c.exploration_fraction = 0.16f;
    c.end_e = 0.04f;
    c.huber = true;
    c.max_grad_norm = 10.f;
  }
  if (env_id.rfind("Text", 0) == 0) {
    // the LSTM Q-network over the prefix (sequence_dqn.hpp): SeqGAN's generator width, no
    // discount within a sentence, a short warm-up
    c.hidden = {32};
    c.lr = 1e-3f;
    c.gamma = 1.f;
    c.buffer_size = 50000;
    c.batch_size = 64;
    c.learning_starts = 1000;
    c.train_frequency = 4;
    c.target_update = 500;
    c.huber = true;
    c.max_grad_norm = 10.f;
  }
  return c;
}

agents::ReinforceConfig reinforce_defaults(const std::string& env_id) {
  agents::ReinforceConfig c;  // MLP 64-64 tanh, Adam 1e-3, learned value baseline, 8 episodes
  if (env_id == "Pendulum-v1") {
    // a short horizon (gamma 0.9) is what makes plain REINFORCE work on Pendulum's dense costs
    c.gamma = 0.9f;
    c.episodes_per_update = 8;
    c.lr = 1e-3f;
  }
  return c;
}

namespace {
// The value following `--name` (or `--name=value`) in args, or def.
std::string prescan(const std::vector<std::string>& args, const std::string& name,
                    const std::string& def) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--" + name && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind("--" + name + "=", 0) == 0) return args[i].substr(name.size() + 3);
  }
  return def;
}

std::string join(const std::vector<size_t>& v) {
  std::string s;
  for (size_t x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}
}  // namespace

TrainConfig parse_train(const std::vector<std::string>& args, bool* help, std::ostream* help_out) {
  TrainConfig c;
  if (!prescan(args, "resume", "").empty()) {
    // a resumed run keeps the configuration stored in its checkpoint
    po::options_description d("seqrl train --resume options (the run's configuration comes from the checkpoint)");
    d.add_options()("resume", po::value(&c.resume)->required(), "checkpoint.safetensors of the run to continue");
    po::variables_map vm;
    try {
      const bool h = parse_args("train", d, args, vm, help_out);
      if (help) *help = h;
    } catch (const ConfigError& e) {
      throw ConfigError(std::string(e.what()) +
                        "; --resume continues a run with the configuration stored in its "
                        "checkpoint and takes no other option");
    }
    return c;
  }
  c.run.env_id = prescan(args, "env", c.run.env_id);
  const std::string agent0 = prescan(args, "agent", c.agent);
  // REINFORCE needs more samples than DQN (its tuned CartPole runs use 300k steps)
  const std::string env0 = prescan(args, "env", c.run.env_id);
  // SeqGAN: 0 = as many steps as the protocol's adversarial batches take (set once the env is made)
  const std::string default_steps =
      agent0 == "seqgan" ? "0"
      : agent0 == "reinforce" ? (env0 == "Pendulum-v1" ? "1000000" : "300000") : "100000";
  long steps = 0;
  try {
    steps = std::stol(prescan(args, "steps", default_steps));
  } catch (const std::exception&) {
    throw ConfigError("seqrl train: --steps '" + prescan(args, "steps", "") + "' is not an integer");
  }
  c.agent = prescan(args, "agent", c.agent);
  c.dqn = dqn_defaults(c.run.env_id, steps);
  c.reinforce = reinforce_defaults(c.run.env_id);
  if (c.agent == "dqn" && (c.run.env_id == "CartPole-v1" || c.run.env_id == "CartPole-v0")) {
    // DQN collapses late on CartPole; evaluate often and stop once solved (as SB3's
    // StopTrainingOnRewardThreshold): 5 of 5 seeds reach >= 475 over 100 episodes this way.
    c.run.eval_every = 5000;
    c.run.stop_at_threshold = true;
  }
  if (c.agent == "reinforce") c.run.eval_every = 20000;
  std::string protocol = "fast";
  if (c.agent == "seqgan") {
    // one sub-env per sequence of a g-step's batch, so the batch's episodes run side by side
    protocol = prescan(args, "protocol", protocol);
    try {
      c.seqgan.gan = agents::seqgan_protocol(protocol);
    } catch (const ConfigError& e) {
      throw ConfigError("seqrl train: --protocol: " + std::string(e.what()));
    }
    c.run.num_envs = int(c.seqgan.gan.batch);
    c.run.log_every = 0;  // each update is a whole adversarial batch
    c.run.eval_every = 0;
    c.run.final_eval_episodes = 10;  // greedy decoding from the empty prefix: one sequence
  }
  std::string hidden = join(c.agent == "reinforce" ? c.reinforce.hidden : c.dqn.hidden);
  std::string env_options = "{}";
  po::options_description d("seqrl train options (defaults for --agent " + c.agent + " --env " +
                            c.run.env_id + ")");
  d.add_options()
      ("agent", po::value(&c.agent)->default_value(c.agent), "agent: dqn, reinforce, seqgan (text envs), random")
      ("env", po::value(&c.run.env_id)->default_value(c.run.env_id), "registered environment id")
      ("steps", po::value(&c.run.total_steps)->default_value(steps), "environment steps")
      ("seed", po::value(&c.run.seed)->default_value(c.run.seed), "seed (sub-env i gets seed + i)")
      ("num-envs", po::value(&c.run.num_envs)->default_value(c.run.num_envs), "sub-envs stepping together")
      ("out", po::value(&c.run.out_dir)->default_value(c.run.out_dir), "output folder (metrics, summary.json)")
      ("eval-every", po::value(&c.run.eval_every)->default_value(c.run.eval_every), "steps between evaluations (0 = final only)")
      ("eval-episodes", po::value(&c.run.eval_episodes)->default_value(c.run.eval_episodes), "episodes per periodic evaluation")
      ("final-eval-episodes", po::value(&c.run.final_eval_episodes)->default_value(c.run.final_eval_episodes), "episodes of the final evaluation")
      ("stop-at-threshold", po::value(&c.run.stop_at_threshold)->default_value(c.run.stop_at_threshold), "stop when an evaluation reaches the env's reward threshold (0/1)")
      ("checkpoint-every", po::value(&c.run.checkpoint_every)->default_value(c.run.checkpoint_every), "steps between checkpoints to OUT/checkpoint.safetensors (0 = at the end and on Ctrl-C)")
      ("log-every", po::value(&c.run.log_every)->default_value(c.run.log_every), "steps between logged agent updates (0 = every update)")
      ("resume", po::value(&c.resume)->default_value(c.resume), "continue the run saved in this checkpoint (takes no other option)")
      ("hidden", po::value(&hidden)->default_value(hidden), "network hidden sizes, comma-separated")
      ("env-options", po::value(&env_options)->default_value(env_options), "JSON object passed to the environment, e.g. {\"oracle\": \"DIR\"}");
  const bool text_env = c.run.env_id.rfind("Text", 0) == 0;
  if (c.agent == "reinforce" && text_env) {
    auto& q = c.seqpg;
    d.add_options()
        ("lr", po::value(&q.lr)->default_value(q.lr), "LSTM policy Adam learning rate")
        ("gamma", po::value(&q.gamma)->default_value(q.gamma), "discount over tokens (0 with per-step Monte-Carlo rewards)")
        ("baseline", po::value(&q.baseline)->default_value(q.baseline), "mean or none")
        ("episodes-per-update", po::value(&q.episodes_per_update)->default_value(q.episodes_per_update), "finished sequences per gradient step")
        ("max-grad-norm", po::value(&q.clip)->default_value(q.clip), "gradient clip (0 = off)")
        ("init-checkpoint", po::value(&q.init_checkpoint)->default_value(q.init_checkpoint), "generator.safetensors to start the policy from (seqrl mle / seqrl seqgan)");
  } else if (c.agent == "seqgan") {
    auto& g = c.seqgan.gan;
    d.add_options()
        ("protocol", po::value(&protocol)->default_value(protocol), "SeqGAN preset: fast or paper (the options below start from it)")
        ("init-generator", po::value(&c.seqgan.init_generator)->default_value(c.seqgan.init_generator), "generator.safetensors to start G from, skipping MLE pre-training")
        ("pretrain-g-epochs", po::value(&g.pretrain_g_epochs)->default_value(g.pretrain_g_epochs), "MLE pre-training epochs")
        ("pretrain-d-rounds", po::value(&g.pretrain_d_rounds)->default_value(g.pretrain_d_rounds), "discriminator pre-training rounds")
        ("rollouts", po::value(&g.rollouts)->default_value(g.rollouts), "Monte-Carlo rollouts per prefix")
        ("d-steps", po::value(&g.d_steps)->default_value(g.d_steps), "d-steps after each g-step")
        ("d-epochs", po::value(&g.d_epochs)->default_value(g.d_epochs), "passes over real + negatives per d-step")
        ("nll-every", po::value(&g.eval_every)->default_value(g.eval_every), "g-steps between NLL-oracle (or NLL-test) figures (0 = never)")
        ("samples", po::value(&c.seqgan.samples)->default_value(c.seqgan.samples), "real sequences drawn from the oracle or the grammar");
  } else if (c.agent == "reinforce") {
    auto& r = c.reinforce;
    d.add_options()
        ("lr", po::value(&r.lr)->default_value(r.lr), "policy Adam learning rate")
        ("gamma", po::value(&r.gamma)->default_value(r.gamma), "discount")
        ("baseline", po::value(&r.baseline)->default_value(r.baseline), "value, mean or none")
        ("value-lr", po::value(&r.value_lr)->default_value(r.value_lr), "value network learning rate")
        ("value-epochs", po::value(&r.value_epochs)->default_value(r.value_epochs), "value regression passes per update")
        ("entropy-coef", po::value(&r.entropy_coef)->default_value(r.entropy_coef), "entropy bonus weight")
        ("episodes-per-update", po::value(&r.episodes_per_update)->default_value(r.episodes_per_update), "finished episodes per gradient step")
        ("normalize-advantages", po::value(&r.normalize_advantages)->default_value(r.normalize_advantages), "normalise advantages per batch (0/1)")
        ("max-grad-norm", po::value(&r.max_grad_norm)->default_value(r.max_grad_norm), "gradient clip (0 = off)")
        ("init-log-std", po::value(&r.init_log_std)->default_value(r.init_log_std), "Gaussian policy: initial log std")
        ("mc-rollouts", po::value(&r.mc_rollouts)->default_value(r.mc_rollouts), "returns from N Monte-Carlo rollouts on env clones per step (0 = episode returns)")
        ("mc-horizon", po::value(&r.mc_horizon)->default_value(r.mc_horizon), "rollout length (0 = to the end of the episode)");
  } else {
    d.add_options()
      ("lr", po::value(&c.dqn.lr)->default_value(c.dqn.lr), "DQN: Adam learning rate")
      ("gamma", po::value(&c.dqn.gamma)->default_value(c.dqn.gamma), "DQN: discount")
      ("buffer-size", po::value(&c.dqn.buffer_size)->default_value(c.dqn.buffer_size), "DQN: replay capacity")
      ("batch-size", po::value(&c.dqn.batch_size)->default_value(c.dqn.batch_size), "DQN: transitions per gradient step")
      ("learning-starts", po::value(&c.dqn.learning_starts)->default_value(c.dqn.learning_starts), "DQN: steps before learning")
      ("train-frequency", po::value(&c.dqn.train_frequency)->default_value(c.dqn.train_frequency), "DQN: steps between training rounds")
      ("gradient-steps", po::value(&c.dqn.gradient_steps)->default_value(c.dqn.gradient_steps), "DQN: gradient steps per round")
      ("target-update", po::value(&c.dqn.target_update)->default_value(c.dqn.target_update), "DQN: steps between target updates")
      ("tau", po::value(&c.dqn.tau)->default_value(c.dqn.tau), "DQN: target update rate (1 = hard copy)")
      ("start-e", po::value(&c.dqn.start_e)->default_value(c.dqn.start_e), "DQN: initial epsilon")
      ("end-e", po::value(&c.dqn.end_e)->default_value(c.dqn.end_e), "DQN: final epsilon")
      ("exploration-fraction", po::value(&c.dqn.exploration_fraction)->default_value(c.dqn.exploration_fraction), "DQN: share of steps for the epsilon decay")
      ("double", po::value(&c.dqn.double_dqn)->default_value(c.dqn.double_dqn), "DQN: Double DQN targets (0/1)")
      ("huber", po::value(&c.dqn.huber)->default_value(c.dqn.huber), "DQN: Huber loss instead of MSE (0/1)")
      ("max-grad-norm", po::value(&c.dqn.max_grad_norm)->default_value(c.dqn.max_grad_norm), "DQN: gradient clip (0 = off)");
  }
  po::variables_map vm;
  const bool h = parse_args("train", d, args, vm, help_out);
  if (help) *help = h;
  if (h) return c;
  require(c.agent == "dqn" || c.agent == "reinforce" || c.agent == "seqgan" || c.agent == "random", "train",
          "unknown --agent '" + c.agent + "' (known: dqn, reinforce, seqgan, random)");
  require(c.run.total_steps > 0 || (c.agent == "seqgan" && c.run.total_steps == 0), "train",
          "--steps must be positive");
  require(c.run.num_envs >= 1, "train", "--num-envs must be >= 1");
  require(c.run.checkpoint_every >= 0, "train", "--checkpoint-every must be >= 0");
  require(c.run.checkpoint_every == 0 || !c.run.out_dir.empty(), "train",
          "--checkpoint-every needs --out DIR to write checkpoints into");
  c.dqn.total_steps = c.run.total_steps;
  c.dqn.seed = c.reinforce.seed = c.seqpg.seed = c.run.seed;
  c.seqgan.gan.seed = c.run.seed;
  c.seqgan.gan.protocol = protocol;
  try {
    c.run.env_options = nlohmann::json::parse(env_options);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("seqrl train: --env-options is not JSON: " + std::string(e.what()));
  }
  require(c.run.env_options.is_object(), "train", "--env-options must be a JSON object");
  std::vector<size_t> hs_sizes;
  std::stringstream hs(hidden);
  for (std::string tok; std::getline(hs, tok, ',');) {
    try {
      hs_sizes.push_back(std::stoul(tok));
    } catch (const std::exception&) {
      throw ConfigError("seqrl train: --hidden '" + hidden + "' is not a comma-separated list of sizes");
    }
  }
  (c.agent == "reinforce" ? c.reinforce.hidden : c.dqn.hidden) = hs_sizes;
  require(c.reinforce.baseline == "value" || c.reinforce.baseline == "mean" ||
              c.reinforce.baseline == "none",
          "train", "--baseline must be value, mean or none, got '" + c.reinforce.baseline + "'");
  env::spec(c.run.env_id);  // unknown ids fail here, with close matches
  return c;
}

namespace {

// The configuration of the run saved in a checkpoint (seqrl train --resume).
TrainConfig resumed_config(const std::string& path) {
  const nets::SafeTensors st = nets::load_safetensors(path);
  TrainConfig c;
  c.resume = path;
  try {
    c.run = agents::run_config_of(st, path);
    const auto tc = nlohmann::json::parse(nets::required_metadata(st, "run.train_config", path));
    c.agent = tc.at("agent").get<std::string>();
    if (tc.contains("dqn")) c.dqn = tc["dqn"].get<agents::DQNConfig>();
    if (tc.contains("reinforce")) c.reinforce = tc["reinforce"].get<agents::ReinforceConfig>();
    if (tc.contains("reinforce_lstm")) c.seqpg = tc["reinforce_lstm"].get<agents::SequencePGConfig>();
    if (tc.contains("seqgan")) c.seqgan = tc["seqgan"].get<agents::SeqGANAgentConfig>();
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("checkpoint '" + path + "' does not hold a resumable seqrl train run: " + e.what());
  }
  c.run.resume = path;
  return c;
}

int run_train(const TrainConfig& given, std::ostream& out, std::ostream& err) {
  TrainConfig c = given.resume.empty() ? given : resumed_config(given.resume);
  auto probe = env::make(c.run.env_id, c.run.env_options);
  std::unique_ptr<agents::Agent> agent;
  agents::DQN* dqn = nullptr;
  agents::Reinforce* pg = nullptr;
  agents::SequencePG* spg = nullptr;
  agents::SequenceDQN* sdqn = nullptr;
  agents::SeqGANAgent* sg = nullptr;
  const bool tokens = dynamic_cast<const env::TokenSequence*>(&probe->observation_space()) != nullptr;
  if (c.agent == "dqn" && tokens) {
    auto a = agents::SequenceDQN::for_spaces(probe->observation_space(), probe->action_space(), c.dqn);
    sdqn = a.get();
    agent = std::move(a);
  } else if (c.agent == "reinforce" && tokens) {
    auto a = agents::SequencePG::for_spaces(probe->observation_space(), probe->action_space(), c.seqpg);
    spg = a.get();
    agent = std::move(a);
  } else if (c.agent == "seqgan") {
    c.seqgan.env_id = c.run.env_id;
    c.seqgan.env_options = c.run.env_options;
    auto a = agents::SeqGANAgent::for_spaces(probe->observation_space(), probe->action_space(), c.seqgan);
    if (c.run.total_steps == 0) {
      // the protocol's adversarial batches: `batch` episodes of T tokens each, plus the vector
      // env's reset step after each (next-step autoreset). Episodes that end early at <eos>
      // (COCO, the grammar) make more batches in the same steps.
      const auto& ts = dynamic_cast<const env::TokenSequence&>(probe->observation_space());
      c.run.total_steps = long(c.seqgan.gan.total_batches * c.seqgan.gan.batch * (ts.max_len + 1));
    }
    sg = a.get();
    agent = std::move(a);
  } else if (c.agent == "random") {
    agent = std::make_unique<agents::RandomAgent>(probe->action_space(), c.run.seed);
  } else if (c.agent == "reinforce") {
    auto a = agents::Reinforce::for_spaces(probe->observation_space(), probe->action_space(), c.reinforce);
    pg = a.get();
    agent = std::move(a);
  } else {
    auto a = agents::DQN::for_spaces(probe->observation_space(), probe->action_space(), c.dqn);
    dqn = a.get();
    agent = std::move(a);
  }
  nlohmann::json cfg = {{"agent", c.agent}, {"env", c.run.env_id}, {"steps", c.run.total_steps},
                        {"seed", c.run.seed}, {"num_envs", c.run.num_envs},
                        {"eval_every", c.run.eval_every},
                        {"stop_at_threshold", c.run.stop_at_threshold}};
  if (dqn || sdqn) cfg["dqn"] = c.dqn;
  if (pg) cfg["reinforce"] = c.reinforce;
  if (spg) cfg["reinforce_lstm"] = c.seqpg;
  if (sg) cfg["seqgan"] = c.seqgan;
  agents::RunResult r = agents::run(*agent, c.run, cfg);
  if (r.interrupted) {
    err << "seqrl train: interrupted at step " << r.steps
        << (r.checkpoint.empty() ? std::string("; no --out, so nothing was saved\n")
                                 : "; checkpoint saved, continue with: seqrl train --resume " +
                                       r.checkpoint + "\n");
    return 130;
  }
  out << nlohmann::json{{"agent", c.agent}, {"env", c.run.env_id}, {"seed", c.run.seed},
                        {"steps", r.steps}, {"wall_seconds", r.seconds},
                        {"updates", agent->updates()},
                        {"final_eval_return_mean", r.final_eval.mean},
                        {"final_eval_return_std", r.final_eval.std},
                        {"final_eval_episodes", r.final_eval.episodes}}
             .dump()
      << "\n";
  return 0;
}
}  // namespace

namespace {
struct EvalConfig {
  std::string checkpoint, env_id = "CartPole-v1", out;
  nlohmann::json env_options = nlohmann::json::object();
  // given on the command line; otherwise a seqrl train checkpoint's own env (and options) serve
  bool env_given = false, env_options_given = false;
  std::string policy;  // rollout only: "random" instead of a checkpoint
  int episodes = 100;
  uint64_t seed = 1;
  bool deterministic = true;
};

EvalConfig parse_eval(const std::string& cmd, const std::vector<std::string>& args, bool* help,
                      std::ostream* help_out) {
  EvalConfig c;
  if (cmd == "rollout") c.episodes = 1;
  std::string env_options;
  po::options_description d("seqrl " + cmd + " options");
  d.add_options()
      ("checkpoint", po::value(&c.checkpoint)->default_value(c.checkpoint), "a saved agent (checkpoint.safetensors)")
      ("env", po::value(&c.env_id)->default_value(c.env_id), "registered environment id (default: a seqrl train checkpoint's own env, else CartPole-v1)")
      ("env-options", po::value(&env_options)->default_value(env_options), "JSON object passed to the environment (default: the checkpoint's run's, when --env is its env)")
      ("episodes", po::value(&c.episodes)->default_value(c.episodes), "episodes to run")
      ("seed", po::value(&c.seed)->default_value(c.seed), "seed of the first episode (then seed + 1, ...)")
      ("out", po::value(&c.out)->default_value(c.out),
       cmd == "rollout" ? "JSON-lines file to write" : "folder for summary.json (empty = none)");
  if (cmd == "rollout")
    d.add_options()
        ("policy", po::value(&c.policy)->default_value(c.policy), "'random' instead of a checkpoint")
        ("deterministic", po::value(&c.deterministic)->default_value(c.deterministic), "greedy/mean actions of the checkpoint's agent (0/1)");
  po::variables_map vm;
  *help = parse_args(cmd, d, args, vm, help_out);
  if (*help) return c;
  require(c.episodes >= 1, cmd, "--episodes must be >= 1");
  require(c.policy.empty() || c.policy == "random", cmd, "unknown --policy '" + c.policy + "' (known: random)");
  require(!c.checkpoint.empty() || c.policy == "random", cmd,
          cmd == "rollout" ? "give --checkpoint F or --policy random" : "give --checkpoint F");
  require(cmd != "rollout" || !c.out.empty(), cmd, "give --out FILE for the trajectory");
  if (!env_options.empty()) {
    try {
      c.env_options = nlohmann::json::parse(env_options);
    } catch (const nlohmann::json::exception& e) {
      throw ConfigError("seqrl " + cmd + ": --env-options is not JSON: " + std::string(e.what()));
    }
    require(c.env_options.is_object(), cmd, "--env-options must be a JSON object");
  }
  c.env_given = !vm["env"].defaulted();
  c.env_options_given = !env_options.empty();
  env::spec(c.env_id);
  return c;
}

// The env and the agent of an eval or rollout, the checkpoint read once. A seqrl train
// checkpoint names the env it was trained on (and its options): by default the agent runs
// there, not in CartPole.
std::pair<std::unique_ptr<env::Env>, std::unique_ptr<agents::Agent>> env_and_agent(EvalConfig& c) {
  if (c.policy == "random") {
    auto e = env::make(c.env_id, c.env_options);
    auto a = std::make_unique<agents::RandomAgent>(e->action_space(), c.seed);
    return {std::move(e), std::move(a)};
  }
  const nets::SafeTensors st = nets::load_safetensors(c.checkpoint);
  if (st.metadata.count("run.config")) {
    const agents::RunConfig run = agents::run_config_of(st, c.checkpoint);
    if (!c.env_given) c.env_id = run.env_id;
    if (!c.env_options_given && c.env_id == run.env_id) c.env_options = run.env_options;
  }
  auto e = env::make(c.env_id, c.env_options);
  auto a = agents::load_agent(st, c.checkpoint, e->observation_space(), e->action_space());
  return {std::move(e), std::move(a)};
}

int run_eval(EvalConfig c, std::ostream& out) {
  auto [probe, agent] = env_and_agent(c);
  const auto t0 = std::chrono::steady_clock::now();
  agents::EvalResult r = agents::evaluate(*agent, c.env_id, c.episodes, c.seed, c.env_options);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json summary = {{"agent", agent->name()}, {"env", c.env_id}, {"env_options", c.env_options},
                            {"seed", c.seed}, {"steps", 0}, {"wall_seconds", secs},
                            {"final_eval", {{"episodes", r.episodes}, {"return_mean", r.mean},
                                            {"return_std", r.std}}},
                            {"config", {{"checkpoint", c.checkpoint}, {"deterministic", true}}}};
  if (!c.out.empty()) {
    nets::make_dirs(c.out);
    nets::write_file_atomic(c.out + "/summary.json", summary.dump(1) + "\n");
  }
  out << summary.dump() << "\n";
  return 0;
}

int run_rollout(EvalConfig c, std::ostream& out) {
  auto [e, agent] = env_and_agent(c);
  std::string lines;
  long steps = 0;
  auto to_json = [](const nets::Tensor& t) { return std::vector<float>(t.begin(), t.end()); };
  for (int k = 0; k < c.episodes; ++k) {
    nets::Tensor obs = e->reset(c.seed + k).observation;
    for (int t = 0;; ++t) {
      nets::Tensor batch = obs;
      nets::Shape s = nets::shape_of(obs);
      s.insert(s.begin(), 1);
      batch.reshape(s);
      env::Action a = agent->act(batch, c.deterministic && c.policy.empty())[0];
      env::StepResult r = e->step(a);
      nlohmann::json line = {{"episode", k}, {"t", t}, {"observation", to_json(obs)},
                             {"reward", r.reward}, {"terminated", r.terminated},
                             {"truncated", r.truncated}, {"next_observation", to_json(r.observation)}};
      if (a.discrete) line["action"] = a.index;
      else line["action"] = to_json(a.value);
      lines += line.dump() + "\n";
      ++steps;
      if (r.terminated || r.truncated) break;
      obs = std::move(r.observation);
    }
  }
  nets::write_file_atomic(c.out, lines);
  out << nlohmann::json{{"env", c.env_id}, {"episodes", c.episodes}, {"steps", steps}, {"out", c.out}}.dump() << "\n";
  return 0;
}
}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  const std::string cmd = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
      out << kUsage;
      return 0;
    }
    if (cmd == "--version") {
      out << "seqrl 0.1.0\n";
      return 0;
    }
    bool help = false;
    if (cmd == "demo") {
      DemoConfig c = parse_demo(rest, &help, &out);
      return help ? 0 : run_demo(c, out);
    }
    if (cmd == "bench") {
      BenchConfig c = parse_bench(rest, &help, &out);
      if (help) return 0;
      nlohmann::json j = c.suite == "rl" ? bench::run_rl_bench(bench::RlBenchConfig{c.nets.repeats > 5 ? 5 : c.nets.repeats})
                                         : bench::run_nets_bench(c.nets);
      out << j.dump() << "\n";
      if (!c.out.empty()) nets::write_file_atomic(c.out, j.dump(1) + "\n");
      return 0;
    }
    if (cmd == "train") {
      TrainConfig c = parse_train(rest, &help, &out);
      return help ? 0 : run_train(c, out, err);
    }
    if (cmd == "score") return score_command(rest, out, &out);
    if (cmd == "tokenize") return tokenize_command(rest, out, &out);
    if (cmd == "seqgan") return seqgan_command(rest, out, &out);
    if (cmd == "fit") return fit_command(rest, out, err);
    if (cmd == "mle") return mle_command(rest, out, &out);
    if (cmd == "grammar") return grammar_command(rest, out, &out);
    if (cmd == "generate") return generate_command(rest, out, &out);
    if (cmd == "eval" || cmd == "rollout") {
      EvalConfig c = parse_eval(cmd, rest, &help, &out);
      if (help) return 0;
      return cmd == "eval" ? run_eval(c, out) : run_rollout(c, out);
    }
    if (cmd == "list") {
      const std::string what = rest.empty() ? "" : rest[0];
      if (what == "envs") {
        for (const auto& id : env::registered_ids()) {
          const auto& s = env::spec(id);
          out << id << "  max_episode_steps=" << (s.max_episode_steps ? std::to_string(*s.max_episode_steps) : "-")
              << "  reward_threshold=" << (s.reward_threshold ? std::to_string(*s.reward_threshold) : "-") << "\n";
        }
        return 0;
      }
      if (what == "agents") {
        out << "dqn        Discrete actions, flat vector observations (MLP Q-network);\n"
            << "           on text envs (TokenSequence observations) an LSTM Q-network over the prefix\n"
            << "reinforce  Discrete or 1-D Box actions, flat vector observations (MLP policy);\n"
            << "           on text envs an LSTM policy (a generator, --init-checkpoint from seqrl mle)\n"
            << "seqgan     text envs with real data (TextOracle-v0, TextCoco-v0, TextGrammar-v0): SeqGAN's\n"
            << "           LSTM generator, CNN discriminator and rollout rewards (--protocol fast|paper)\n"
            << "random     any action space (uniformly random actions; the baseline)\n";
        return 0;
      }
      err << "seqrl list: say what to list: 'seqrl list envs' or 'seqrl list agents'\n";
      return 2;
    }
    err << "seqrl: unknown command '" << cmd << "'\n\n" << kUsage;
    return 2;
  } catch (const ConfigError& e) {
    err << e.what() << "\n";
    return 2;
  } catch (const Error& e) {
    err << "seqrl " << cmd << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace seqrl::cli
