// The suite file of `seqrl suite` (its format: the top of suite_cmd.cpp): its schema, checked
// before anything runs, and its expansion into runs. No training here, so that the libFuzzer
// harness tests/fuzz/fuzz_suite.cpp can drive it (not installed).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seqrl::suite {

// Every key is known (an unknown one is named with the keys its object takes) and every value of
// its type and range: "name" a string, "seeds" a non-empty list of integers >= 0, "envs" an object
// of env entries, "agents" a list of names, "runs" a list of run entries (each with "agent" and
// "env", and an optional "label" of letters, digits, '-' and '.'), "steps" an integer >= 0, "options" an object of strings, numbers or booleans,
// "env_options" an object, "temperatures" a non-empty list of numbers > 0, "text_samples" an
// integer >= 1. Throws ConfigError naming the key's path (runs[2].steps) and what it holds.
// file: the suite file's path, for the messages ("" for a built-in suite).
void check_suite_file(const nlohmann::json& suite, const std::string& file = "");

// 64-bit FNV-1a of n bytes, continuing from h: the hashes in run ids, and a run's data files'
// identity in its record (train_cmd.cpp)
inline uint64_t fnv1a(const char* p, size_t n, uint64_t h = 1469598103934665603ull) {
  for (size_t i = 0; i < n; ++i) h = (h ^ uint64_t(uint8_t(p[i]))) * 1099511628211ull;
  return h;
}

struct RunSpec {
  std::string id, agent, env, preset;
  std::string label;  // the run entry's "label": its name in the report, its id and {run:LABEL}; "" for none
  nlohmann::json env_options = nlohmann::json::object(), options = nlohmann::json::object();
  long steps = -1;  // -1: the agent's default for the env
  uint64_t seed = 1;
};

// Whether an agent acts on an env (made with these options): the agents x envs matrix keeps
// those pairs and lists the others in `skipped`.
using ActsOn = std::function<bool(const std::string& agent, const std::string& env, const nlohmann::json& env_options)>;

// The suite's runs, one per (entry, seed), each with a stable id (the same on every machine).
// Checks the schema first; ConfigError for a suite without runs or two runs with one id.
std::vector<RunSpec> expand_suite(const nlohmann::json& suite, const ActsOn& acts_on, std::vector<std::string>& skipped,
                                  const std::string& file = "");

// Whether a file or folder is there (the suite's checkpoints and summaries).
bool exists(const std::string& path);

// File-name-safe form of a string: [A-Za-z0-9.-], everything else '_'.
std::string slug(const std::string& s);

// "{run:AGENT}" in a string env option stands for the checkpoint of the same suite's run of AGENT
// on the same env (the other options as given) with the same seed: REINFORCE or DQN rewarded by
// that SeqGAN run's discriminator is {"reward_model": "{run:seqgan}"}. That run must come first.
// "{run:LABEL}" names a run by its "label"; where two runs would match, ConfigError asks for one.
bool has_reference(const RunSpec& r);
// r with its references replaced by that checkpoint's path under out_dir; ConfigError when the
// suite has no such run, or (check_exists) its checkpoint is not there yet.
RunSpec resolve_references(RunSpec r, const std::vector<RunSpec>& runs, const std::string& out_dir, bool check_exists);

}  // namespace seqrl::suite
