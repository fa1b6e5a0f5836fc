#include "seqrl/env/wrappers.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <xtensor/xbuilder.hpp>

namespace seqrl::env {

Wrapper::Wrapper(std::unique_ptr<Env> inner) : inner_(std::move(inner)) {
  if (!inner_) throw ValueError("Wrapper: the inner environment is null");
  id = inner_->id;
}

ResetResult Wrapper::reset_impl(std::optional<uint64_t> seed, const Info& options) {
  return inner_->reset(seed, options);
}

StepResult Wrapper::step_impl(const Action& action) { return inner_->step(action); }

ResetResult ObservationWrapper::reset_impl(std::optional<uint64_t> seed, const Info& options) {
  ResetResult r = Wrapper::reset_impl(seed, options);
  r.observation = observation(r.observation);
  return r;
}

StepResult ObservationWrapper::step_impl(const Action& action) {
  StepResult r = Wrapper::step_impl(action);
  r.observation = observation(r.observation);
  return r;
}

nlohmann::json Wrapper::get_state_impl() const { return {{"inner", inner_->get_state()}}; }
void Wrapper::set_state_impl(const nlohmann::json& s) { inner_->set_state(s.at("inner")); }

namespace {
nlohmann::json rms_state(const RunningMeanStd& r) {
  return {{"mean", std::vector<float>(r.mean.begin(), r.mean.end())},
          {"var", std::vector<float>(r.var.begin(), r.var.end())},
          {"count", r.count}};
}
void set_rms(RunningMeanStd& r, const nlohmann::json& s) {
  auto m = s.at("mean").get<std::vector<float>>(), v = s.at("var").get<std::vector<float>>();
  if (m.size() != r.mean.size() || v.size() != r.var.size())
    throw ValueError("RunningMeanStd state: " + std::to_string(m.size()) + " values for " +
                     std::to_string(r.mean.size()) + " entries");
  std::copy(m.begin(), m.end(), r.mean.begin());
  std::copy(v.begin(), v.end(), r.var.begin());
  r.count = s.at("count").get<double>();
}
}  // namespace

// ---- TimeLimit --------------------------------------------------------------------------------
TimeLimit::TimeLimit(std::unique_ptr<Env> inner, int max_steps)
    : Wrapper(std::move(inner)), max_episode_steps(max_steps) {
  if (max_steps <= 0)
    throw ValueError("TimeLimit: max_episode_steps must be positive, got " + std::to_string(max_steps));
}

std::unique_ptr<Env> TimeLimit::clone() const {
  auto c = std::make_unique<TimeLimit>(inner_->clone(), max_episode_steps);
  c->elapsed_steps = elapsed_steps;
  return finish_clone(std::move(c));
}

nlohmann::json TimeLimit::get_state_impl() const {
  nlohmann::json s = Wrapper::get_state_impl();
  s["elapsed_steps"] = elapsed_steps;
  return s;
}
void TimeLimit::set_state_impl(const nlohmann::json& s) {
  Wrapper::set_state_impl(s);
  elapsed_steps = s.at("elapsed_steps").get<int>();
}

ResetResult TimeLimit::reset_impl(std::optional<uint64_t> seed, const Info& options) {
  elapsed_steps = 0;
  return Wrapper::reset_impl(seed, options);
}

StepResult TimeLimit::step_impl(const Action& action) {
  StepResult r;
  step_into(action, r);
  return r;
}

void TimeLimit::step_into(const Action& action, StepResult& out) {
  inner_->step(action, out);
  if (++elapsed_steps >= max_episode_steps) out.truncated = true;
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
  return finish_clone(std::move(c));
}

nlohmann::json RecordEpisodeStatistics::get_state_impl() const {
  nlohmann::json s = Wrapper::get_state_impl();
  s["return_queue"] = return_queue;
  s["length_queue"] = length_queue;
  s["episode_return"] = episode_return_;
  s["episode_length"] = episode_length_;
  s["episode_seconds"] = now_s() - episode_start_;  // wall time: kept as time elapsed
  return s;
}
void RecordEpisodeStatistics::set_state_impl(const nlohmann::json& s) {
  Wrapper::set_state_impl(s);
  return_queue = s.at("return_queue").get<std::deque<double>>();
  length_queue = s.at("length_queue").get<std::deque<int>>();
  episode_return_ = s.at("episode_return").get<double>();
  episode_length_ = s.at("episode_length").get<int>();
  episode_start_ = now_s() - s.at("episode_seconds").get<double>();
}

ResetResult RecordEpisodeStatistics::reset_impl(std::optional<uint64_t> seed, const Info& options) {
  episode_return_ = 0.0;
  episode_length_ = 0;
  episode_start_ = now_s();
  return Wrapper::reset_impl(seed, options);
}

StepResult RecordEpisodeStatistics::step_impl(const Action& action) {
  StepResult r;
  step_into(action, r);
  return r;
}

void RecordEpisodeStatistics::step_into(const Action& action, StepResult& out) {
  inner_->step(action, out);
  episode_return_ += out.reward;
  ++episode_length_;
  if (out.terminated || out.truncated) {
    out.info["episode"] = {{"r", episode_return_}, {"l", episode_length_},
                           {"t", now_s() - episode_start_}};
    return_queue.push_back(episode_return_);
    length_queue.push_back(episode_length_);
    while (return_queue.size() > buffer) return_queue.pop_front();
    while (length_queue.size() > buffer) length_queue.pop_front();
  }
}

}  // namespace seqrl::env

namespace seqrl::env {

namespace {
const Box& inner_box(const Env& e, const char* who) {
  auto* b = dynamic_cast<const Box*>(&e.action_space());
  if (!b) throw ValueError(std::string(who) + " needs a Box action space, got " + e.action_space().str());
  return *b;
}
Box unbounded(const nets::Shape& s) { return Box(-INFINITY, INFINITY, s); }
}  // namespace

// ---- ClipAction -------------------------------------------------------------------------------
ClipAction::ClipAction(std::unique_ptr<Env> inner)
    : Wrapper(std::move(inner)), space_(unbounded(inner_box(*inner_, "ClipAction").shape())) {}

std::unique_ptr<Env> ClipAction::clone() const {
  auto c = std::make_unique<ClipAction>(inner_->clone());
  return finish_clone(std::move(c));
}

StepResult ClipAction::step_impl(const Action& action) {
  const Box& b = inner_box(*inner_, "ClipAction");
  nets::Tensor v = action.value;
  for (size_t i = 0; i < v.size(); ++i)
    v.data()[i] = std::clamp(v.data()[i], b.low.data()[i], b.high.data()[i]);
  return inner_->step(Action::box(std::move(v)));
}

// ---- RescaleAction ----------------------------------------------------------------------------
RescaleAction::RescaleAction(std::unique_ptr<Env> inner, float lo, float hi)
    : Wrapper(std::move(inner)), space_(lo, hi, inner_box(*inner_, "RescaleAction").shape()),
      min_(lo), max_(hi) {
  if (!(lo < hi)) throw ValueError("RescaleAction: min_action must be < max_action");
}

std::unique_ptr<Env> RescaleAction::clone() const {
  auto c = std::make_unique<RescaleAction>(inner_->clone(), min_, max_);
  return finish_clone(std::move(c));
}

StepResult RescaleAction::step_impl(const Action& action) {
  const Box& b = inner_box(*inner_, "RescaleAction");
  nets::Tensor v = action.value;
  for (size_t i = 0; i < v.size(); ++i) {
    const float lo = b.low.data()[i], hi = b.high.data()[i];
    v.data()[i] = std::clamp(lo + (hi - lo) * (v.data()[i] - min_) / (max_ - min_), lo, hi);
  }
  return inner_->step(Action::box(std::move(v)));
}

// ---- RunningMeanStd ---------------------------------------------------------------------------
RunningMeanStd::RunningMeanStd(const nets::Shape& shape)
    : mean(xt::zeros<float>(shape)), var(xt::ones<float>(shape)) {}

void RunningMeanStd::update(const nets::Tensor& x) {
  // one-sample parallel update (Chan et al.), as Gymnasium's update_from_moments with batch 1
  const double tot = count + 1.0;
  for (size_t i = 0; i < mean.size(); ++i) {
    const double delta = double(x.data()[i]) - mean.data()[i];
    const double m_a = double(var.data()[i]) * count;
    const double m2 = m_a + delta * delta * count / tot;
    mean.data()[i] = static_cast<float>(mean.data()[i] + delta / tot);
    var.data()[i] = static_cast<float>(m2 / tot);
  }
  count = tot;
}

// ---- NormalizeObservation ---------------------------------------------------------------------
NormalizeObservation::NormalizeObservation(std::unique_ptr<Env> inner, float eps)
    : ObservationWrapper(std::move(inner)), stats(inner_->observation_space().shape()),
      space_(unbounded(inner_->observation_space().shape())), eps_(eps) {}

std::unique_ptr<Env> NormalizeObservation::clone() const {
  auto c = std::make_unique<NormalizeObservation>(inner_->clone(), eps_);
  c->stats = stats;
  c->update = update;
  return finish_clone(std::move(c));
}

Observation NormalizeObservation::observation(const Observation& o) {
  if (update) stats.update(o);
  Observation r = Observation::from_shape(nets::shape_of(o));
  for (size_t i = 0; i < o.size(); ++i)
    r.data()[i] = static_cast<float>((o.data()[i] - stats.mean.data()[i]) /
                                     std::sqrt(double(stats.var.data()[i]) + eps_));
  return r;
}

nlohmann::json NormalizeObservation::get_state_impl() const {
  nlohmann::json s = Wrapper::get_state_impl();
  s["stats"] = rms_state(stats);
  s["update"] = update;
  return s;
}
void NormalizeObservation::set_state_impl(const nlohmann::json& s) {
  Wrapper::set_state_impl(s);
  set_rms(stats, s.at("stats"));
  update = s.at("update").get<bool>();
}


// ---- OneHotObservation -----------------------------------------------------------------------
namespace {
const Discrete& inner_discrete(const Env& e) {
  const auto* d = dynamic_cast<const Discrete*>(&e.observation_space());
  if (!d) throw ValueError("OneHotObservation needs a Discrete observation space, got " + e.observation_space().str());
  return *d;
}
}  // namespace

OneHotObservation::OneHotObservation(std::unique_ptr<Env> inner)
    : ObservationWrapper(std::move(inner)),
      n_(inner_discrete(*inner_).size),
      start_(inner_discrete(*inner_).start),
      space_(0.f, 1.f, nets::Shape{size_t(n_)}) {}

std::unique_ptr<Env> OneHotObservation::clone() const {
  return finish_clone(std::make_unique<OneHotObservation>(inner_->clone()));
}

Observation OneHotObservation::observation(const Observation& o) {
  const int64_t i = int64_t(o.data()[0]) - start_;
  if (o.size() != 1 || i < 0 || i >= n_)
    throw ValueError("OneHotObservation: observation " + std::to_string(o.size() ? o.data()[0] : -1.f) +
                     " is not in " + inner_->observation_space().str());
  Observation r = Observation::from_shape({size_t(n_)});
  r.fill(0.f);
  r.data()[i] = 1.f;
  return r;
}


// ---- NormalizeReward --------------------------------------------------------------------------
NormalizeReward::NormalizeReward(std::unique_ptr<Env> inner, double gamma, double eps)
    : Wrapper(std::move(inner)), gamma_(gamma), eps_(eps) {}

std::unique_ptr<Env> NormalizeReward::clone() const {
  auto c = std::make_unique<NormalizeReward>(inner_->clone(), gamma_, eps_);
  c->stats = stats;
  c->update = update;
  c->discounted_ = discounted_;
  return finish_clone(std::move(c));
}

nlohmann::json NormalizeReward::get_state_impl() const {
  nlohmann::json s = Wrapper::get_state_impl();
  s["stats"] = rms_state(stats);
  s["update"] = update;
  s["discounted"] = discounted_;
  return s;
}
void NormalizeReward::set_state_impl(const nlohmann::json& s) {
  Wrapper::set_state_impl(s);
  set_rms(stats, s.at("stats"));
  update = s.at("update").get<bool>();
  discounted_ = s.at("discounted").get<double>();
}

StepResult NormalizeReward::step_impl(const Action& action) {
  StepResult r = Wrapper::step_impl(action);
  discounted_ = discounted_ * gamma_ * (r.terminated ? 0.0 : 1.0) + r.reward;
  if (update) {
    nets::Tensor x = nets::Tensor::from_shape({});
    x() = static_cast<float>(discounted_);
    stats.update(x);
  }
  r.reward /= std::sqrt(double(stats.var()) + eps_);
  return r;
}

// ---- ObservationEncoder -----------------------------------------------------------------------
ObservationEncoder::ObservationEncoder(std::unique_ptr<Env> inner, std::shared_ptr<Encoder> enc)
    : ObservationWrapper(std::move(inner)), encoder_(std::move(enc)),
      space_(unbounded(encoder_ ? encoder_->feature_shape() : nets::Shape{})) {
  if (!encoder_) throw ValueError("ObservationEncoder: the encoder is null");
}

std::unique_ptr<Env> ObservationEncoder::clone() const {
  auto c = std::make_unique<ObservationEncoder>(inner_->clone(), encoder_);
  return finish_clone(std::move(c));
}

Observation ObservationEncoder::observation(const Observation& o) { return encoder_->encode(o); }

}  // namespace seqrl::env
