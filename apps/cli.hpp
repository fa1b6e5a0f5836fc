// The `seqrl` command: subcommands, each with --help listing every option and its default,
// INI config files (--config FILE) with command-line overrides, and errors that name the bad
// option or value. run_cli is the whole program minus main(), so the tests drive it in-process.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "seqrl/agents/dqn.hpp"
#include "seqrl/agents/reinforce.hpp"
#include "seqrl/agents/seqgan_agent.hpp"
#include "seqrl/agents/sequence_dqn.hpp"
#include "seqrl/agents/sequence_pg.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/bench/nets_bench.hpp"
#include "seqrl/nets/error.hpp"

namespace seqrl::cli {

// `seqrl demo`: learn SeqGAN's synthetic oracle by MLE and report NLL-oracle as it learns.
struct DemoConfig {
  std::string oracle = "../shared/data/seqgan_oracle";  // folder of SeqGAN's oracle .npy files
  bool random_oracle = false;   // use a fresh N(0,1) oracle (from --oracle-seed) instead
  uint64_t oracle_seed = 0;     // seed of the random oracle
  size_t samples = 10000;       // training sequences drawn from the oracle
  size_t epochs = 10;           // MLE passes over them
  size_t batch = 64;            // sequences per update
  float lr = 0.01f;             // Adam learning rate
  size_t eval_samples = 9984;   // generator samples scored by the oracle (SeqGAN: 9,984)
  uint64_t seed = 1;            // seed of the generator, shuffling and sampling
};

// `seqrl bench`: speed benchmarks; JSON on stdout (and to --out).
struct BenchConfig {
  std::string suite = "nets";
  bench::NetsBenchConfig nets;
  std::string out;  // also write the JSON here when set
};

// `seqrl train`: an agent on a registered environment through the runner.
struct TrainConfig {
  std::string agent = "dqn";
  std::string resume;  // --resume F: continue the run saved in checkpoint F with its own config
  agents::RunConfig run;
  agents::DQNConfig dqn;              // --agent dqn: starts from the tuned defaults for run.env_id
  agents::ReinforceConfig reinforce;  // --agent reinforce: likewise
  agents::SequencePGConfig seqpg;     // --agent reinforce on a text env (an LSTM policy)
  agents::SeqGANAgentConfig seqgan;   // --agent seqgan (text envs); steps 0 = the protocol's length
};

// The tuned DQN hyperparameters for an environment (rl-zoo style; CleanRL's otherwise).
agents::DQNConfig dqn_defaults(const std::string& env_id, long total_steps);
agents::ReinforceConfig reinforce_defaults(const std::string& env_id);

// Parse a subcommand's arguments (after the subcommand name). Throws ConfigError naming the
// offending option, value or config-file line. Sets *help when --help was given.
DemoConfig parse_demo(const std::vector<std::string>& args, bool* help = nullptr,
                      std::ostream* help_out = nullptr);
BenchConfig parse_bench(const std::vector<std::string>& args, bool* help = nullptr,
                        std::ostream* help_out = nullptr);

TrainConfig parse_train(const std::vector<std::string>& args, bool* help = nullptr,
                        std::ostream* help_out = nullptr);

// The program: returns the exit code (0 ok, 1 runtime error, 2 usage error).
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace seqrl::cli
