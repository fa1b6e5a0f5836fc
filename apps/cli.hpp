// The `seqrl` command: subcommands, each with --help listing every option and its default,
// INI config files (--config FILE) with command-line overrides, and errors that name the bad
// option or value. run_cli is the whole program minus main(), so the tests drive it in-process.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "seqrl/agents/runner.hpp"
#include "seqrl/bench/nets_bench.hpp"
#include "seqrl/nets/error.hpp"

namespace seqrl::cli {

// `seqrl bench`: speed benchmarks; JSON on stdout (and to --out).
struct BenchConfig {
  std::string suite = "nets";
  bench::NetsBenchConfig nets;
  std::string out;  // also write the JSON here when set
};

// `seqrl train`: an agent of the registry (agents/registry.hpp) on a registered environment,
// through the runner.
struct TrainConfig {
  std::string agent = "dqn";   // --agent NAME
  std::string kind;            // the registered kind it resolved to for the env's spaces
  std::string preset;          // the agent's preset (--protocol), when it has one
  std::string resume;          // --resume F: continue the run saved in checkpoint F with its own config
  agents::RunConfig run;
  bool protocol_budget = false;  // --steps 0: the agent's protocol sets the run's length (AgentContext)
  bool overwrite = false;        // --overwrite: start over in an --out folder that holds a run
  nlohmann::json agent_config = nlohmann::json::object();  // the agent's config, options applied
};

// Parse a subcommand's arguments (after the subcommand name). Throws ConfigError naming the
// offending option, value or config-file line. Sets *help when --help was given.
BenchConfig parse_bench(const std::vector<std::string>& args, bool* help = nullptr,
                        std::ostream* help_out = nullptr);

TrainConfig parse_train(const std::vector<std::string>& args, bool* help = nullptr,
                        std::ostream* help_out = nullptr);

// The program: returns the exit code (0 ok, 1 runtime error, 2 usage error).
// Runs a parsed `seqrl train` (prints its summary line; 130 when interrupted).
int run_train(const TrainConfig& c, std::ostream& out, std::ostream& err);
// What a run is, as its summary.json ("config") and checkpoint ("run.train_config") record it:
// the agent, its bound config, the env and its options, the budget, the seed, the evaluation
// settings and the identity (size and hash) of every data file or folder it reads. Two runs with
// the same record give the same result. requested_run_record: the record of a run not yet made
// (the agent's config bound to the run as run_train binds it).
nlohmann::json run_record(const TrainConfig& c);
nlohmann::json requested_run_record(TrainConfig c);

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace seqrl::cli
