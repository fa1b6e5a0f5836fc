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

 private:
  double episode_return_ = 0.0;
  int episode_length_ = 0;
  double episode_start_ = 0.0;
};

}  // namespace seqrl::env
