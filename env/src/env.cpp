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

ResetResult Env::reset(std::optional<uint64_t> seed, const Info& options) {
  if (seed) rng_.seed(*seed);
  ResetResult r = reset_impl(seed, options);
  needs_reset_ = false;
  return r;
}

StepResult Env::step(const Action& action) {
  if (needs_reset_)
    throw ResetNeeded((id.empty() ? std::string("environment") : id) +
                      ": step() called before reset() or after the episode ended "
                      "(terminated or truncated); call reset() first");
  if (!contains(action_space(), action))
    throw InvalidAction((id.empty() ? std::string("environment") : id) + ": action " +
                        action.str() + " is not in the action space " + action_space().str());
  StepResult r = step_impl(action);
  if (r.terminated || r.truncated) needs_reset_ = true;
  return r;
}

}  // namespace seqrl::env
