// Wrappers with Gymnasium's semantics (gymnasium/wrappers): a Wrapper owns the inner env and
// forwards to it; the contract checks (reset before step, action in space) happen in the
// outermost Env::step.
#pragma once

#include <deque>
#include <memory>

#include "seqrl/env/env.hpp"

namespace seqrl::env {

class Wrapper : public Env {
 public:
  explicit Wrapper(std::unique_ptr<Env> inner);
  const Space& observation_space() const override { return inner_->observation_space(); }
  const Space& action_space() const override { return inner_->action_space(); }
  Env& inner() { return *inner_; }
  const Env& inner() const { return *inner_; }

 protected:
  ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) override;
  StepResult step_impl(const Action& action) override;
  // {"inner": the inner env's state}; wrappers with variables of their own add them.
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;
  // Finishes a clone built from inner_->clone(): the id, episode flags and RNG come along.
  template <class W>
  std::unique_ptr<Env> finish_clone(std::unique_ptr<W> c) const {
    c->id = id;
    c->copy_base_state(*this);
    return c;
  }
  // Seeds pass through: the wrapper's reset(seed) re-seeds the inner env.
  std::unique_ptr<Env> inner_;
};

// Sets truncated = true once max_episode_steps steps have been taken in an episode (unless the
// step terminated; both may be true, as in Gymnasium). info["TimeLimit.truncated"] is not used.
class TimeLimit : public Wrapper {
 public:
  TimeLimit(std::unique_ptr<Env> inner, int max_episode_steps);
  std::unique_ptr<Env> clone() const override;
  int max_episode_steps;
  int elapsed_steps = 0;

 protected:
  ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) override;
  StepResult step_impl(const Action& action) override;
  void step_into(const Action& action, StepResult& out) override;
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;
};

// Adds info["episode"] = {"r": return, "l": length, "t": seconds} on the step that ends an
// episode, and keeps the last `buffer` returns and lengths (Gymnasium's RecordEpisodeStatistics).
class RecordEpisodeStatistics : public Wrapper {
 public:
  explicit RecordEpisodeStatistics(std::unique_ptr<Env> inner, size_t buffer = 100);
  std::unique_ptr<Env> clone() const override;
  std::deque<double> return_queue;
  std::deque<int> length_queue;
  size_t buffer;

 protected:
  ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) override;
  StepResult step_impl(const Action& action) override;
  void step_into(const Action& action, StepResult& out) override;
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;

 private:
  double episode_return_ = 0.0;
  int episode_length_ = 0;
  double episode_start_ = 0.0;
};

// Clips Box actions to the inner env's bounds; the wrapper accepts any finite action
// (Gymnasium's ClipAction: its action space is Box(-inf, inf)).
class ClipAction : public Wrapper {
 public:
  explicit ClipAction(std::unique_ptr<Env> inner);
  const Space& action_space() const override { return space_; }
  std::unique_ptr<Env> clone() const override;

 protected:
  StepResult step_impl(const Action& action) override;

 private:
  Box space_;
};

// Maps actions from [min_action, max_action] linearly onto the inner Box's [low, high]
// (Gymnasium's RescaleAction); the wrapper's action space is Box(min_action, max_action).
class RescaleAction : public Wrapper {
 public:
  RescaleAction(std::unique_ptr<Env> inner, float min_action, float max_action);
  const Space& action_space() const override { return space_; }
  std::unique_ptr<Env> clone() const override;

 protected:
  StepResult step_impl(const Action& action) override;

 private:
  Box space_;
  float min_, max_;
};

// Running mean and variance (parallel Welford, as Gymnasium's RunningMeanStd with its 1e-4
// initial count), element-wise over a shape.
struct RunningMeanStd {
  explicit RunningMeanStd(const nets::Shape& shape = {});
  void update(const nets::Tensor& x);  // one sample of `shape`
  nets::Tensor mean, var;
  double count = 1e-4;
};

// A wrapper that changes only observations (Gymnasium's ObservationWrapper): reset and step pass
// through and hand every observation to observation(); subclasses own their space.
class ObservationWrapper : public Wrapper {
 public:
  using Wrapper::Wrapper;

 protected:
  virtual Observation observation(const Observation& o) = 0;
  ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) final;
  StepResult step_impl(const Action& action) final;
};

// Observations become (obs - mean) / sqrt(var + eps) with running statistics updated on every
// observation while `update` is true (Gymnasium's NormalizeObservation). Observation space:
// Box(-inf, inf) of the inner shape.
class NormalizeObservation : public ObservationWrapper {
 public:
  explicit NormalizeObservation(std::unique_ptr<Env> inner, float eps = 1e-8f);
  const Space& observation_space() const override { return space_; }
  std::unique_ptr<Env> clone() const override;
  RunningMeanStd stats;
  bool update = true;

 protected:
  Observation observation(const Observation& o) override;
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;

 private:
  Box space_;
  float eps_;
};

// Rewards are divided by the running standard deviation of the discounted return
// (Gymnasium 1.0's NormalizeReward: G <- G * gamma * (1 - terminated) + r).
class NormalizeReward : public Wrapper {
 public:
  NormalizeReward(std::unique_ptr<Env> inner, double gamma = 0.99, double eps = 1e-8);
  std::unique_ptr<Env> clone() const override;
  RunningMeanStd stats{nets::Shape{}};
  bool update = true;

 protected:
  StepResult step_impl(const Action& action) override;
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;

 private:
  double gamma_, eps_, discounted_ = 0.0;
};

// Maps an observation to features, e.g. a trained AE/VAE encoder (issue 5) or any module.
class Encoder {
 public:
  virtual ~Encoder() = default;
  virtual nets::Tensor encode(const nets::Tensor& obs) = 0;
  virtual nets::Shape feature_shape() const = 0;
};

// The agent sees encoder->encode(obs) instead of obs; observation space Box(-inf, inf) of the
// feature shape. The encoder is shared between clones (it is a fixed function, not env state).
// A Discrete(n, start) observation as a one-hot float vector Box(0, 1, [n]): what an MLP needs to
// tell FrozenLake's states apart (fed the index as one number, it cannot). The env option
// {"one_hot": true} applies it; `seqrl train` does for DQN and REINFORCE on such envs.
class OneHotObservation : public ObservationWrapper {
 public:
  explicit OneHotObservation(std::unique_ptr<Env> inner);
  const Space& observation_space() const override { return space_; }
  std::unique_ptr<Env> clone() const override;

 protected:
  Observation observation(const Observation& o) override;

 private:
  int64_t n_, start_;
  Box space_;
};

class ObservationEncoder : public ObservationWrapper {
 public:
  ObservationEncoder(std::unique_ptr<Env> inner, std::shared_ptr<Encoder> encoder);
  const Space& observation_space() const override { return space_; }
  std::unique_ptr<Env> clone() const override;

 protected:
  Observation observation(const Observation& o) override;

 private:
  std::shared_ptr<Encoder> encoder_;
  Box space_;
};

}  // namespace seqrl::env
