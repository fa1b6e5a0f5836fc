// Runner: drives any agent on a vector env of a registered environment for a budget of steps:
// seeding, episode bookkeeping, periodic deterministic evaluation on a separate env, metrics to
// CSV and JSON lines, summary.json, a progress line on a terminal, and checkpoints.
//
// Checkpoints (out_dir/checkpoint.safetensors, written atomically) hold the agent's full state
// (Agent::save_state) and the run's: step counters, evaluation schedule, the current batch of
// observations, every sub-env's state (Env::get_state), and the sizes of the metrics files.
// A run resumed from one (RunConfig::resume) continues exactly as if it had not stopped: same
// actions, same updates, same metrics lines. Ctrl-C (SIGINT) during run() finishes the current
// step, writes a checkpoint and returns with interrupted = true; a second Ctrl-C kills.
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
  long checkpoint_every = 0;           // steps between checkpoints (0 = at the end and on Ctrl-C only)
  // The agent's update() figures (loss, d_reward, nll_oracle, ...) go to the metrics files for
  // the first update and then for the first one at least this many steps after the last logged
  // one (0 = every update).
  long log_every = 1000;
  std::string resume;                  // a checkpoint written by run() with this config: continue it
  bool handle_sigint = true;           // Ctrl-C checkpoints and stops (else the default handler)
  std::function<void(long step)> on_step;  // called after every vector step (e.g. request_stop())
};

// The serialisable fields of RunConfig (everything but on_step), as stored in checkpoints.
nlohmann::json run_config_json(const RunConfig& cfg);
RunConfig run_config_from_json(const nlohmann::json& j);
// The run configuration stored in a run() checkpoint (metadata "run.config"); CheckpointError
// naming the file when it is missing or malformed.
RunConfig run_config_of(const nets::SafeTensors& st, const std::string& path);

// Asks the run() in progress to checkpoint and return after the current step, as Ctrl-C does.
// Safe to call from a signal handler or another thread.
void request_stop();

// Ctrl-C and SIGTERM for any training loop (run() and seqrl fit use it): while a SigintStop lives,
// the first SIGINT or SIGTERM (a scheduler's time limit: Slurm, mpirun forwarding it to every
// rank) or request_stop() makes stop_requested() true, and the loop checkpoints and stops; a
// second signal kills. Constructing one clears an earlier request. on = false installs nothing
// (request_stop() still works).
class SigintStop {
 public:
  explicit SigintStop(bool on = true);
  ~SigintStop();
  SigintStop(const SigintStop&) = delete;
  SigintStop& operator=(const SigintStop&) = delete;

 private:
  bool on_;
  void* old_ = nullptr;  // the previous struct sigaction
};
bool stop_requested();
// What asked for the stop: "SIGINT (Ctrl-C)", "SIGTERM", "a stop request", or "" when none did.
std::string stop_reason();
// A stop honoured where run() cannot checkpoint, inside an agent's own long phase (LeakGAN's
// pre-training, saved after a round): the message says what was saved and how to go on. It
// leaves run() as an exception; seqrl train exits 130 with the message, as for a stop in run().
class Interrupted : public Error {
  using Error::Error;
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
  bool interrupted = false;  // stopped by Ctrl-C or request_stop(); no final evaluation was run
  std::string checkpoint;    // the last checkpoint written (empty when none)
};

// Deterministic evaluation: `episodes` episodes of a fresh env made from env_id, seeds
// seed, seed + 1, ...
EvalResult evaluate(Agent& agent, const std::string& env_id, int episodes, uint64_t seed,
                    const nlohmann::json& env_options = nlohmann::json::object());

// Trains `agent`; `config_json` is recorded in summary.json as the configuration used.
RunResult run(Agent& agent, const RunConfig& cfg, const nlohmann::json& config_json = {});

}  // namespace seqrl::agents
