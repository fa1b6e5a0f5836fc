// Speed of the environment API and of DQN's whole training loop, mirroring
// shared/peers/torch_dqn_cartpole.py: raw CartPole with random actions; vector envs of 8 and 64;
// the DQN loop with the peer's CleanRL settings (MLP 4-120-84-2, Adam 2.5e-4, buffer 10000,
// batch 128, train every 10 steps, target copy every 500, epsilon 1 -> 0.05 over half the run)
// for 20,000 steps with learning_starts 1000 and 10000; one update alone.
#pragma once

#include <nlohmann/json.hpp>

namespace seqrl::bench {

struct RlBenchConfig {
  int repeats = 5;          // timed runs per figure (median reported)
  long env_steps = 200000;  // random-action steps per raw-env run
  long dqn_steps = 20000;   // steps per DQN-loop run
};

nlohmann::json run_rl_bench(const RlBenchConfig& cfg);

}  // namespace seqrl::bench
