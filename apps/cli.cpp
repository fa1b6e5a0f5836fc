// The `seqrl` command (Boost.Program_options).
#include "cli.hpp"
#include "cli_detail.hpp"

#include <fstream>
#include <functional>
#include <sstream>
#include <sys/stat.h>

#include <boost/program_options.hpp>

#include "seqrl/agents/registry.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/model_rewards.hpp"
#include "seqrl/text/metric_table.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {


int list_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string what = args.empty() ? "" : args[0];
  if (what == "envs") {
    for (const auto& id : env::registered_ids()) {
      const auto& s = env::spec(id);
      out << id << "  max_episode_steps=" << (s.max_episode_steps ? std::to_string(*s.max_episode_steps) : "-")
          << "  reward_threshold=" << (s.reward_threshold ? std::to_string(*s.reward_threshold) : "-") << "\n";
    }
    return 0;
  }
  if (what == "agents") {
    for (const auto* a : agents::registered_agents()) {
      out << a->name << "  (" << a->kind << ")  " << a->summary << "\n    acts on: " << a->spaces << "\n";
      if (!a->data_parallel.empty()) out << "    under mpirun, splits over the ranks: " << a->data_parallel << "\n";
    }
    return 0;
  }
  if (what == "reward-models") {
    for (const auto* r : env::registered_reward_models()) {
      out << r->name << "  " << r->summary << "\n";
      if (!r->arg.empty()) out << "    reward_model \"" << r->name << ":ARG\", ARG: " << r->arg << "\n";
      if (r->reads) out << "    or a bare checkpoint path of this kind\n";
    }
    return 0;
  }
  if (what == "metrics") {
    for (const auto* m : text::registered_metrics()) {
      out << m->name << "  " << m->summary << "\n";
      std::string cols;
      for (const auto& [k, c] : m->suite_columns) cols += (cols.empty() ? "" : ", ") + c;
      if (!cols.empty()) out << "    in a suite's text runs: " << cols << "\n";
    }
    out << "embsim  Texygen's EmbSim of word embeddings against a reference sentence model (seqrl score only)\n";
    return 0;
  }
  err << "seqrl list: say what to list: 'seqrl list envs', 'agents', 'reward-models' or 'metrics'\n";
  return 2;
}

int train_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  bool help = false;
  const TrainConfig c = parse_train(args, &help, &out);
  return help ? 0 : run_train(c, out, err);
}

// `seqrl demo`: `seqrl fit lm --data oracle` (MLE on SeqGAN's oracle, NLL-oracle as it learns).
int demo_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> a = {"lm", "--data", "oracle"};
  a.insert(a.end(), args.begin(), args.end());
  return fit_command(a, out, err);
}

namespace {

std::string usage();

int help_command(const std::vector<std::string>&, std::ostream& out, std::ostream&) {
  out << usage();
  return 0;
}

int version_command(const std::vector<std::string>&, std::ostream& out, std::ostream&) {
  out << "seqrl 0.1.0\n";
  return 0;
}

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"train", "train an agent on an environment (seqrl train --agent dqn --env CartPole-v1);\n"
                "Ctrl-C saves a checkpoint; seqrl train --resume OUT/checkpoint.safetensors continues", train_command},
      {"fit", "an AE, VAE, GAN or LSTM language model (lm): seqrl fit vae --data coco --out DIR (ring8,\n"
              "grid25, oracle, coco, grammar or a text file); --resume OUT/checkpoint.safetensors continues", fit_command},
      {"suite", "run a benchmark suite and write its report: seqrl suite quick|toy|text|paper|FILE\n"
                "--out DIR (every agent x env x seed, statistics over seeds, plots, report.html)", suite_command},
      {"eval", "evaluate a saved agent: seqrl eval --checkpoint F --env ID --episodes K", eval_command},
      {"rollout", "write trajectories as JSON lines: seqrl rollout --env ID --policy random --out F", rollout_command},
      {"generate", "sentences from a saved generator: seqrl generate --checkpoint F --n 100", generate_command},
      {"score", "a text metric of a samples file: seqrl score --metric bleu --samples F --references R", score_command},
      {"tokenize", "split a text file into tokens: seqrl tokenize --tokenizer nltk --input F", tokenize_command},
      {"grammar", "sentences from the built-in caption grammar: seqrl grammar --n 10000 --out F", grammar_command},
      {"seqgan", "alias of seqrl train --agent seqgan (or --agent mle with --mode mle) in the older\n"
                 "options: seqrl seqgan --task oracle|coco|grammar --protocol fast --seed 1 --out DIR", seqgan_command},
      {"bench", "speed benchmarks (JSON on stdout)", bench_command},
      {"demo", "alias of seqrl fit lm --data oracle: MLE on SeqGAN's oracle, NLL-oracle as it learns", demo_command},
      {"list", "list environments, agents, reward models or text metrics (seqrl list envs|agents|reward-models|metrics)", list_command},
      {"help", "this text", help_command},
      {"--version", "the version", version_command},
  };
  return table;
}

namespace {

// commands that went, and what replaced them
const std::map<std::string, std::string> kRetired = {
    {"mle", "seqrl fit lm --data FILE|coco --out DIR (the LSTM language model; seqrl fit lm --help)"},
};

std::string usage() {
  std::string s = "usage: seqrl <command> [options]\n\ncommands:\n";
  for (const auto& c : commands()) {
    if (c.name.rfind("--", 0) == 0) continue;
    std::string pad(std::max<size_t>(9, c.name.size() + 1) - c.name.size(), ' ');
    std::string text = c.summary;
    for (size_t p = 0; (p = text.find('\n', p)) != std::string::npos; p += 13) text.replace(p, 1, "\n           ");
    s += "  " + c.name + pad + text + "\n";
  }
  return s +
         "\nEvery command takes --help (its options with their defaults) and --config FILE (an INI file\n"
         "of option=value lines; options given on the command line win).\n";
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << usage();
    return 2;
  }
  std::string cmd = args[0];
  if (cmd == "--help" || cmd == "-h") cmd = "help";
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    for (const auto& c : commands())
      if (c.name == cmd) return c.run(rest, out, err);
    if (auto it = kRetired.find(cmd); it != kRetired.end()) {
      err << "seqrl " << cmd << " is gone; use " << it->second << "\n";
      return 2;
    }
    err << "seqrl: unknown command '" << cmd << "'\n\n" << usage();
    return 2;
  } catch (const ConfigError& e) {
    err << e.what() << "\n";
    return 2;
  } catch (const Error& e) {
    // (messages from code that names the command itself are not prefixed twice)
    const std::string what = e.what(), own = "seqrl " + cmd + ": ";
    err << (what.rfind(own, 0) == 0 ? what : own + what) << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    err << "seqrl " << cmd << ": out of memory (an option or an input asks for more than this machine has)\n";
    return 1;
  } catch (const std::exception& e) {
    // not one of seqrl's own errors: still a message and an exit code, never an abort
    err << "seqrl " << cmd << ": unexpected error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace seqrl::cli
