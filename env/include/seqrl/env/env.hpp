// Env: Gymnasium's environment contract (gymnasium/core.py) in plain C++.
//
//   reset(seed)  -> {observation, info}      seeds the env's own Rng when a seed is given
//   step(action) -> {observation, reward, terminated, truncated, info}
//   observation_space(), action_space(), clone()
//
// `terminated` means the MDP reached a terminal state (no bootstrapping past it); `truncated`
// means the episode was cut short (a time limit: bootstrap from the next state). They stay
// separate. step() before reset(), or after terminated/truncated without a reset, throws
// ResetNeeded; an action outside the action space throws InvalidAction naming it and the space.
//
// Implementing an environment: derive from Env, implement reset_impl/step_impl (the checks above
// are done by Env), the two spaces and clone(). There is no global RNG: use rng(), which reset(seed)
// has already seeded. To let runs on it be checkpointed and resumed, also implement
// get_state_impl/set_state_impl (the env's own variables as JSON).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "seqrl/env/space.hpp"

namespace seqrl::env {

using Observation = nets::Tensor;
using Info = nlohmann::json;

// An action: an index for Discrete action spaces, a float tensor for Box (and MultiDiscrete).
struct Action {
  int64_t index = 0;
  nets::Tensor value;
  bool discrete = true;
  Action() = default;
  Action(int64_t i) : index(i) {}  // NOLINT: an integer is a discrete action
  static Action box(nets::Tensor v) {
    Action a;
    a.value = std::move(v);
    a.discrete = false;
    return a;
  }
  std::string str() const;
};

// info starts as JSON null, which reads like an empty object (contains() is false, size() is 0)
// and costs no allocation on the hot path; setting a key makes it an object.
struct ResetResult {
  Observation observation;
  Info info;
};

struct StepResult {
  Observation observation;
  double reward = 0.0;
  bool terminated = false;
  bool truncated = false;
  Info info;
};

class InvalidAction : public Error {
  using Error::Error;
};
class ResetNeeded : public Error {
  using Error::Error;
};

class Env {
 public:
  virtual ~Env() = default;
  // Starts an episode. With a seed, the env's Rng is re-seeded first (same seed, same episode).
  // options: env-specific keys (JSON null, the default, reads as no options).
  ResetResult reset(std::optional<uint64_t> seed = std::nullopt, const Info& options = Info());
  // The same reset written into out, reusing its observation buffer (no allocation for envs that
  // implement reset_into, as CartPole).
  void reset(ResetResult& out, std::optional<uint64_t> seed = std::nullopt, const Info& options = Info());
  // Advances one step; see the contract above.
  StepResult step(const Action& action);
  // The same step written into `out`, reusing its observation buffer: no allocation per step for
  // envs that implement step_into (CartPole, TimeLimit, RecordEpisodeStatistics). The fast path
  // for tight loops and vector envs; identical results.
  void step(const Action& action, StepResult& out) {
    // the common case checked inline (a discrete action within cached bounds); anything else,
    // errors included, goes through check_step
    if (needs_reset_ || disc_kind_ != 1 || !action.discrete || action.index < disc_lo_ ||
        action.index >= disc_hi_)
      check_step(action);
    step_into(action, out);
    if (out.terminated || out.truncated) needs_reset_ = true;
  }
  virtual const Space& observation_space() const = 0;
  virtual const Space& action_space() const = 0;
  // A full copy of the state, RNG included: the copy continues exactly as the original would.
  virtual std::unique_ptr<Env> clone() const = 0;
  // The registered id ("CartPole-v1"), if made by the registry.
  std::string id;
  bool needs_reset() const { return needs_reset_; }
  // The full state as JSON (RNG, episode flag and the env's own variables), for run checkpoints:
  // set_state() on an env of the same kind and options continues exactly as this one would.
  // Doubles survive the round trip bit for bit (nlohmann writes the shortest exact form).
  nlohmann::json get_state() const;
  void set_state(const nlohmann::json& state);

 protected:
  // seed: the seed given to reset(), already applied to rng() (wrappers pass it inward).
  virtual ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) = 0;
  virtual StepResult step_impl(const Action& action) = 0;
  // In-place step. The default is out = step_impl(action); an env that overrides it implements
  // step_impl through it, so that both paths run the same code.
  virtual void step_into(const Action& action, StepResult& out) { out = step_impl(action); }
  // In-place reset, likewise: the default is out = reset_impl(seed, options).
  virtual void reset_into(std::optional<uint64_t> seed, const Info& options, ResetResult& out) {
    out = reset_impl(seed, options);
  }
  // The env's own variables. The defaults throw an Error saying the env cannot be checkpointed.
  virtual nlohmann::json get_state_impl() const;
  virtual void set_state_impl(const nlohmann::json& state);
  nets::Rng& rng() { return rng_; }
  // For clone() implementations that build a fresh object: take over the episode bookkeeping and
  // the RNG of the env being copied.
  void copy_base_state(const Env& other) {
    rng_ = other.rng_;
    needs_reset_ = other.needs_reset_;
  }

 private:
  // VectorEnv's direct CartPole loop keeps the episode flags as step() would
  friend class VectorEnv;
  void check_step(const Action& action);
  nets::Rng rng_;
  bool needs_reset_ = true;
  // A Discrete action space's bounds, cached on the first step ([lo, hi), kind -1 = not yet
  // looked at, 0 = not Discrete), so the per-step check needs no dynamic_cast.
  int64_t disc_lo_ = 0, disc_hi_ = 0;
  int8_t disc_kind_ = -1;
};

// Whether an action belongs to a space (Discrete takes indices, Box/MultiDiscrete take tensors).
bool contains(const Space& space, const Action& a);

}  // namespace seqrl::env
