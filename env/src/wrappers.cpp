#include "seqrl/env/wrappers.hpp"

#include <chrono>

namespace seqrl::env {

Wrapper::Wrapper(std::unique_ptr<Env> inner) : inner_(std::move(inner)) {
  if (!inner_) throw ValueError("Wrapper: the inner environment is null");
  id = inner_->id;
}

ResetResult Wrapper::reset_impl(std::optional<uint64_t> seed, const Info& options) {
  return inner_->reset(seed, options);
}

StepResult Wrapper::step_impl(const Action& action) { return inner_->step(action); }

// ---- TimeLimit --------------------------------------------------------------------------------
TimeLimit::TimeLimit(std::unique_ptr<Env> inner, int max_steps)
    : Wrapper(std::move(inner)), max_episode_steps(max_steps) {
  if (max_steps <= 0)
    throw ValueError("TimeLimit: max_episode_steps must be positive, got " + std::to_string(max_steps));
}

std::unique_ptr<Env> TimeLimit::clone() const {
  auto c = std::make_unique<TimeLimit>(inner_->clone(), max_episode_steps);
  c->elapsed_steps = elapsed_steps;
  c->id = id;
  c->copy_base_state(*this);
  return c;
}

ResetResult TimeLimit::reset_impl(std::optional<uint64_t> seed, const Info& options) {
  elapsed_steps = 0;
  return Wrapper::reset_impl(seed, options);
}

StepResult TimeLimit::step_impl(const Action& action) {
  StepResult r = Wrapper::step_impl(action);
  if (++elapsed_steps >= max_episode_steps) r.truncated = true;
  return r;
}

// ---- RecordEpisodeStatistics ------------------------------------------------------------------
namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

RecordEpisodeStatistics::RecordEpisodeStatistics(std::unique_ptr<Env> inner, size_t buf)
    : Wrapper(std::move(inner)), buffer(buf) {}

std::unique_ptr<Env> RecordEpisodeStatistics::clone() const {
  auto c = std::make_unique<RecordEpisodeStatistics>(inner_->clone(), buffer);
  c->return_queue = return_queue;
  c->length_queue = length_queue;
  c->episode_return_ = episode_return_;
  c->episode_length_ = episode_length_;
  c->episode_start_ = episode_start_;
  c->id = id;
  c->copy_base_state(*this);
  return c;
}

ResetResult RecordEpisodeStatistics::reset_impl(std::optional<uint64_t> seed, const Info& options) {
  episode_return_ = 0.0;
  episode_length_ = 0;
  episode_start_ = now_s();
  return Wrapper::reset_impl(seed, options);
}

StepResult RecordEpisodeStatistics::step_impl(const Action& action) {
  StepResult r = Wrapper::step_impl(action);
  episode_return_ += r.reward;
  ++episode_length_;
  if (r.terminated || r.truncated) {
    r.info["episode"] = {{"r", episode_return_}, {"l", episode_length_},
                         {"t", now_s() - episode_start_}};
    return_queue.push_back(episode_return_);
    length_queue.push_back(episode_length_);
    while (return_queue.size() > buffer) return_queue.pop_front();
    while (length_queue.size() > buffer) length_queue.pop_front();
  }
  return r;
}

}  // namespace seqrl::env
