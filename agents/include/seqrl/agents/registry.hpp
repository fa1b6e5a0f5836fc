// The agent registry, as the environment registry is for envs: every agent that `seqrl train`,
// `seqrl list agents`, `--help`, `load_agent` and `seqrl suite` can use is one AgentSpec here.
// An agent registers its name, the spaces it acts on, its config (a JSON object whose fields are
// the agent's config struct, with one documented option per field) and its tuned defaults per
// env, in one place: its own source file defines `AgentSpec my_agent_spec()`, and one line in
// agents/src/builtin_agents.def (or a register_agent call in a user's program) registers it.
//
// Options are typed by their default: a JSON bool takes 0/1/true/false, an integer an integer,
// a float a number, a string a string, an array of numbers a comma-separated list. An option an
// agent does not declare is an error that names the option and the agent.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seqrl/agents/agent.hpp"
#include "seqrl/agents/runner.hpp"

namespace seqrl::agents {

// One option: its command-line name (--lr), where it lives in the agent's config JSON (a JSON
// pointer: "/lr", "/gan/rollouts"), and a one-line doc.
struct AgentOption {
  std::string flag;
  std::string pointer;
  std::string help;
};

// What an agent is made for: the run's facts, which the spec writes into its config (bind).
struct AgentContext {
  std::string env_id;
  nlohmann::json env_options = nlohmann::json::object();
  uint64_t seed = 1;
  long total_steps = 0;
  size_t num_envs = 1;
  // --steps 0 was given: total_steps is the protocol's bound (protocol_steps) and the agent ends
  // the run itself once its protocol is done (Agent::done), e.g. after the GANs' total_batches
  // g-steps, however short the episodes (COCO, the grammar) that fill the steps
  bool protocol_budget = false;
};

struct AgentSpec {
  std::string kind;      // the checkpoint's "agent" metadata: dqn, dqn-lstm, reinforce-lstm, ...
  std::string name;      // --agent NAME; kinds sharing a name are told apart by the spaces
  std::string summary;   // one line for `seqrl list agents`
  std::string spaces;    // what it acts on, one line
  // Whether it acts on these spaces.
  std::function<bool(const env::Space& obs, const env::Space& act)> supports;
  // A preset option that picks the defaults (SeqGAN's --protocol fast|paper); empty = none.
  std::string preset_flag;
  std::vector<std::string> presets;  // the first is the default
  // The config with the tuned defaults for env_id (and preset), before any option is applied.
  std::function<nlohmann::json(const std::string& env_id, const std::string& preset)> defaults;
  // Run settings that suit the agent on env_id (steps, evaluation schedule, sub-envs). Optional.
  std::function<void(RunConfig& run, const std::string& env_id, const std::string& preset)> run_defaults;
  std::vector<AgentOption> options;
  // Writes the run's facts (seed, steps, env) into the config. Optional.
  std::function<void(nlohmann::json& config, const AgentContext& ctx)> bind;
  // Builds the agent. restoring: its state is loaded from a checkpoint right after (do not load
  // initial weights from elsewhere). Throws ValueError when the config or the spaces do not fit.
  std::function<std::unique_ptr<Agent>(const env::Space& obs, const env::Space& act,
                                       const nlohmann::json& config, bool restoring)>
      make;
  // The steps a run takes when the user gives none and the defaults say 0 (a protocol's
  // length), once the env is known. Optional.
  std::function<long(const nlohmann::json& config, const env::Space& obs)> protocol_steps;
  // What it trains data-parallel under `mpirun -np N seqrl train` (N > 1), one line; empty = it
  // does not, and such a launch is refused rather than run as N copies of one process.
  std::string data_parallel;
};

// Registers (or replaces) a kind. ValueError for a spec without kind, name, supports, defaults
// or make.
void register_agent(AgentSpec spec);
// For an MLP agent's run_defaults: on an env whose observations are Discrete (FrozenLake's state
// index), observe them one-hot ({"one_hot": true}) unless the options already say.
void one_hot_discrete_observations(RunConfig& r);
// The spec of a kind; KeyError listing the known kinds.
const AgentSpec& agent_kind(const std::string& kind);
// The spec named `name` that acts on these spaces; KeyError for an unknown name (with the known
// ones), ValueError when no spec of that name acts on them (saying what they act on).
const AgentSpec& agent_for(const std::string& name, const env::Space& obs, const env::Space& act);
// Every registered kind, in registration order.
std::vector<const AgentSpec*> registered_agents();
// The distinct --agent names, in registration order.
std::vector<std::string> agent_names();

// The config with `flag` set from its command-line text (typed by the current value). ConfigError
// naming the flag and the agent for an unknown flag or a value of the wrong type.
void set_option(const AgentSpec& spec, nlohmann::json& config, const std::string& flag,
                const std::string& text);
// The option's current value as command-line text (for --help).
std::string option_text(const nlohmann::json& config, const AgentOption& o);

// Makes the agent of a train run: defaults are not applied here; config is complete.
std::unique_ptr<Agent> make_agent(const AgentSpec& spec, const env::Space& obs, const env::Space& act,
                                  nlohmann::json config, const AgentContext& ctx);

}  // namespace seqrl::agents
