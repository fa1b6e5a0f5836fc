// The environment registry: make("CartPole-v1") as gymnasium.make does, with each id's
// max_episode_steps (a TimeLimit wrapper) and reward_threshold. Registering a user's environment
// takes one line:
//   seqrl::env::register_env({"MyEnv-v0", [](const Info&) { return std::make_unique<MyEnv>(); }, 200, {}});
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seqrl/env/env.hpp"

namespace seqrl::text {
struct TextTask;  // text/tasks.hpp
}

namespace seqrl::env {

// One option an env takes in make(id, options): its key, its JSON type ("string", "integer",
// "number" or "bool") and a one-line doc.
struct EnvOption {
  std::string key, type, help;
  // integer and number options: the accepted range (a value outside it is a ValueError naming
  // the key and the range, before anything is allocated)
  double min = -1e300, max = 1e300;
};

struct EnvSpec {
  std::string id;
  std::function<std::unique_ptr<Env>(const Info& options)> entry_point;
  std::optional<int> max_episode_steps;   // wrapped in TimeLimit when set
  std::optional<double> reward_threshold; // the return at which the task counts as solved
  // The options it takes. When set, make() rejects any other key (beside the ones every env
  // takes: max_episode_steps, encoder, reward_model) and values of another type, naming the key
  // and listing the accepted ones. Unset: options are passed through unchecked.
  std::optional<std::vector<EnvOption>> options = std::nullopt;
  // A text env with data behind it (an oracle's samples, a corpus): the task, for these options,
  // that the agents which learn from data (MLE, SeqGAN, LeakGAN, the suite's NLL-test and BLEU)
  // read: `samples` training sequences where the task draws them, drawn with `seed`. Its
  // vocabulary and length match the env's spaces. Unset: the env has no data.
  std::function<text::TextTask(const Info& options, size_t samples, uint64_t seed)> text_task = nullptr;
};

// The options every env takes (make() handles them): max_episode_steps, encoder, reward_model.
const std::vector<EnvOption>& common_env_options();

// Registers (or replaces) an id. Throws ValueError for an empty id or entry point.
void register_env(EnvSpec spec);
// Makes a registered environment, wrapped in TimeLimit when its spec has max_episode_steps
// (options["max_episode_steps"] overrides it). options["encoder"] = an autoencoder checkpoint
// (seqrl fit ae|vae) wraps it last in ObservationEncoder with that encoder (env/encoders.hpp);
// options["reward_model"] = a sentence VAE or latent GAN checkpoint replaces a text env's reward
// (env/text/model_rewards.hpp).
// Unknown ids throw KeyError listing close matches.
std::unique_ptr<Env> make(const std::string& id, const Info& options = Info::object());
// The spec of a registered id (KeyError as make).
const EnvSpec& spec(const std::string& id);
// Every registered id, sorted.
std::vector<std::string> registered_ids();
// The ids whose spec has a text_task, sorted.
std::vector<std::string> text_task_ids();
// The data behind text env `id` with these options (its spec's text_task, the options checked as
// make() checks them). ValueError naming `who` and listing text_task_ids() for an env without data.
text::TextTask text_task(const std::string& id, const Info& options, size_t samples, uint64_t seed,
                         const std::string& who = "this agent");

}  // namespace seqrl::env
