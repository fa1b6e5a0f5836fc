// check_env: checks an environment against the Env contract, as Gymnasium's env checker does,
// and says what is wrong in words a user can act on. It checks that:
//  - reset() and step() return observations inside observation_space (and rewards are finite);
//  - the same seed gives the same trajectory (observations, rewards, flags) under the same actions;
//  - different seeds give different initial observations (or trajectories), unless the env is
//    declared deterministic (its start and dynamics do not depend on the seed, as text generation);
//  - clone() continues exactly as the original;
//  - an action outside the action space throws InvalidAction, and a step after the episode ended
//    (or before any reset) throws ResetNeeded.
#pragma once

#include <string>
#include <vector>

#include "seqrl/env/env.hpp"

namespace seqrl::env {

struct CheckReport {
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
  std::string str() const;  // one problem per line, or "ok"
};

// Runs the checks on `env` (it is reset and stepped; its state afterwards is arbitrary).
CheckReport check_env(Env& env, uint64_t seed = 0, int steps = 100, bool deterministic = false);

// A uniformly random action of a space (Discrete -> index, Box/MultiDiscrete -> tensor).
Action sample_action(Space& space);

}  // namespace seqrl::env
