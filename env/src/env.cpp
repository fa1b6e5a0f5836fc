// The contract checks shared by every environment: reset before step, actions inside the space.
#include "seqrl/env/env.hpp"

#include <sstream>

namespace seqrl::env {

std::string Action::str() const {
  if (discrete) return std::to_string(index);
  std::ostringstream os;
  os << shape_str(std::vector<float>(value.begin(), value.end()));
  return os.str();
}

bool contains(const Space& space, const Action& a) {
  // Discrete spaces take integer actions only (Gymnasium rejects floats there too).
  if (auto* d = dynamic_cast<const Discrete*>(&space)) return a.discrete && d->contains(a.index);
  return !a.discrete && space.contains(a.value);
}

nlohmann::json Env::get_state() const {
  return {{"rng", rng_.state()}, {"needs_reset", needs_reset_}, {"env", get_state_impl()}};
}

void Env::set_state(const nlohmann::json& state) {
  const std::string name = id.empty() ? std::string("environment") : id;
  if (!state.is_object() || !state.contains("rng") || !state.contains("needs_reset") ||
      !state.contains("env"))
    throw ValueError(name + ": set_state() needs an object with rng, needs_reset and env, got " +
                     state.dump().substr(0, 200));
  try {
    set_state_impl(state["env"]);
    rng_.set_state(state["rng"].get<std::string>());
    needs_reset_ = state["needs_reset"].get<bool>();
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(name + ": malformed state: " + e.what());
  }
}

namespace {
[[noreturn]] void no_state(const std::string& id) {
  throw Error((id.empty() ? std::string("this environment") : id) +
              " does not implement get_state_impl()/set_state_impl(), which checkpointing a run "
              "needs; implement them (see env.hpp) or run without checkpoints");
}
}  // namespace

nlohmann::json Env::get_state_impl() const { no_state(id); }
void Env::set_state_impl(const nlohmann::json&) { no_state(id); }

ResetResult Env::reset(std::optional<uint64_t> seed, const Info& options) {
  if (seed) rng_.seed(*seed);
  ResetResult r = reset_impl(seed, options);
  needs_reset_ = false;
  return r;
}

void Env::reset(ResetResult& out, std::optional<uint64_t> seed, const Info& options) {
  if (seed) rng_.seed(*seed);
  reset_into(seed, options, out);
  needs_reset_ = false;
}

void Env::check_step(const Action& action) {
  if (needs_reset_)
    throw ResetNeeded((id.empty() ? std::string("environment") : id) +
                      ": step() called before reset() or after the episode ended "
                      "(terminated or truncated); call reset() first");
  if (disc_kind_ < 0) {
    const auto* d = dynamic_cast<const Discrete*>(&action_space());
    disc_kind_ = d ? 1 : 0;
    if (d) disc_lo_ = d->start, disc_hi_ = d->start + d->size;
  }
  const bool ok = disc_kind_ == 1 ? action.discrete && action.index >= disc_lo_ && action.index < disc_hi_
                                  : contains(action_space(), action);
  if (!ok)
    throw InvalidAction((id.empty() ? std::string("environment") : id) + ": action " +
                        action.str() + " is not in the action space " + action_space().str());
}

StepResult Env::step(const Action& action) {
  check_step(action);
  StepResult r = step_impl(action);
  if (r.terminated || r.truncated) needs_reset_ = true;
  return r;
}

}  // namespace seqrl::env
