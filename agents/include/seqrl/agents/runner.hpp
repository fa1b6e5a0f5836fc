// Runner: drives any agent on a vector env of a registered environment for a budget of steps:
// seeding, episode bookkeeping, periodic deterministic evaluation on a separate env, metrics to
// CSV and JSON lines, summary.json, and a progress line on a terminal.
#pragma once

#include <functional>
#include <string>

#include "seqrl/agents/agent.hpp"

namespace seqrl::agents {

struct RunConfig {
  std::string env_id = "CartPole-v1";  // registered environment
  nlohmann::json env_options = nlohmann::json::object();  // passed to env::make (training and evaluation)
  long total_steps = 100000;           // environment steps (over all sub-envs)
  uint64_t seed = 1;                   // sub-env i gets seed + i; evaluation seeds start at seed + 10^6
  size_t num_envs = 1;                 // sub-envs stepping together
  long eval_every = 10000;             // steps between evaluations (0 = only the final one)
  int eval_episodes = 10;              // episodes per periodic evaluation
  int final_eval_episodes = 100;       // episodes of the final evaluation
  bool stop_at_threshold = false;      // stop once an evaluation reaches the env's reward_threshold
  std::string out_dir;                 // metrics.csv, metrics.jsonl, summary.json (empty = none)
  bool progress = true;                // progress line on stderr when it is a terminal
};

struct EvalResult {
  double mean = 0, std = 0;
  int episodes = 0;
};

struct RunResult {
  long steps = 0;
  double seconds = 0;
  EvalResult final_eval;
  std::vector<std::pair<long, double>> eval_curve;  // (step, mean return)
};

// Deterministic evaluation: `episodes` episodes of a fresh env made from env_id, seeds
// seed, seed + 1, ...
EvalResult evaluate(Agent& agent, const std::string& env_id, int episodes, uint64_t seed,
                    const nlohmann::json& env_options = nlohmann::json::object());

// Trains `agent`; `config_json` is recorded in summary.json as the configuration used.
RunResult run(Agent& agent, const RunConfig& cfg, const nlohmann::json& config_json = {});

}  // namespace seqrl::agents
