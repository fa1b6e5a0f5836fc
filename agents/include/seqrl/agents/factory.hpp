// Rebuilding a saved agent: the checkpoint's metadata names the agent kind ("agent") and holds
// its config ("config"), so `seqrl eval`, `seqrl rollout` and users can load any saved agent
// knowing only the environment it acts in.
#pragma once

#include <memory>
#include <string>

#include "seqrl/agents/agent.hpp"

namespace seqrl::agents {

// Builds the agent saved at `path` for these spaces and loads its full state. Throws
// CheckpointError naming the file when the kind is unknown or the config does not fit.
std::unique_ptr<Agent> load_agent(const std::string& path, const env::Space& observation_space,
                                  const env::Space& action_space);
// The same from a checkpoint already read (st, read from path).
std::unique_ptr<Agent> load_agent(const nets::SafeTensors& st, const std::string& path,
                                  const env::Space& observation_space, const env::Space& action_space);

}  // namespace seqrl::agents
