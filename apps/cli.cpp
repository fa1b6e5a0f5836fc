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
#include "seqrl/agents/registry.hpp"
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
    "  suite   run a benchmark suite and write its report: seqrl suite quick|toy|text|paper|FILE\n"
    "          --out DIR (every agent x env x seed, statistics over seeds, plots, report.html)\n"
    "  train   train an agent on an environment (seqrl train --agent dqn --env CartPole-v1);\n"
    "          Ctrl-C saves a checkpoint; seqrl train --resume OUT/checkpoint.safetensors continues\n"
    "  eval    evaluate a saved agent: seqrl eval --checkpoint F --env ID --episodes K\n"
    "  rollout write trajectories as JSON lines: seqrl rollout --env ID --policy random --out F\n"
    "  grammar sentences from the built-in caption grammar: seqrl grammar --n 10000 --out F\n"
    "  mle     an LSTM language model on a text corpus: seqrl mle --corpus F --test G --out DIR\n"
    "  generate sentences from a saved generator: seqrl generate --checkpoint F --n 100\n"
    "  seqgan  SeqGAN on the synthetic oracle: seqrl seqgan --protocol fast --seed 1 --out DIR\n"
    "  fit     an AE, VAE, GAN or LSTM language model (lm): seqrl fit vae --data coco --out DIR (ring8, grid25,\n"
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
    require(p == "matmul" || p == "mle" || p == "sample" || p == "disc" || p == "rollout" || p == "leak", "bench",
            "unknown part '" + p + "' in --parts (known: matmul, mle, sample, disc, rollout, leak)");
  require(c.nets.repeats >= 1, "bench", "--repeats must be >= 1");
  require(c.nets.min_time > 0, "bench", "--min-time must be > 0");
  return c;
}

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
    if (cmd == "suite") return suite_command(rest, out, err);
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
        for (const auto* a : agents::registered_agents())
          out << a->name << "  (" << a->kind << ")  " << a->summary << "\n    acts on: " << a->spaces << "\n";
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
