#include "seqrl/env/check_env.hpp"

#include <cmath>
#include <sstream>

namespace seqrl::env {

std::string CheckReport::str() const {
  if (ok()) return "ok";
  std::ostringstream os;
  for (const auto& p : problems) os << "- " << p << "\n";
  return os.str();
}

Action sample_action(Space& space) {
  if (auto* d = dynamic_cast<Discrete*>(&space)) return Action(d->sample_index());
  return Action::box(space.sample());
}

namespace {
struct Trace {
  std::vector<nets::Tensor> obs;
  std::vector<double> rewards;
  std::vector<int> flags;
};

bool same(const Trace& a, const Trace& b) {
  if (a.obs.size() != b.obs.size() || a.rewards != b.rewards || a.flags != b.flags) return false;
  for (size_t i = 0; i < a.obs.size(); ++i)
    if (a.obs[i] != b.obs[i]) return false;
  return true;
}

// Runs `steps` steps with the given actions from the current state, resetting (without a seed) at
// episode ends so that runs of any length stay legal.
Trace run(Env& env, const std::vector<Action>& actions, std::vector<std::string>* problems,
          const std::string& phase) {
  Trace t;
  for (const auto& a : actions) {
    StepResult r = env.step(a);
    if (problems && !env.observation_space().contains(r.observation))
      problems->push_back(phase + ": step() returned an observation of shape " +
                          shape_str(r.observation.shape()) + " outside the observation space " +
                          env.observation_space().str());
    if (problems && !std::isfinite(r.reward))
      problems->push_back(phase + ": step() returned a non-finite reward " + std::to_string(r.reward));
    t.obs.push_back(r.observation);
    t.rewards.push_back(r.reward);
    t.flags.push_back(int(r.terminated) * 2 + int(r.truncated));
    if (r.terminated || r.truncated) t.obs.push_back(env.reset().observation);
  }
  return t;
}
}  // namespace

CheckReport check_env(Env& env, uint64_t seed, int steps, bool deterministic) {
  CheckReport rep;
  auto& P = rep.problems;
  // a seeded copy of the action space, so that checking leaves the env's own space alone
  std::unique_ptr<Space> aspace_copy = env.action_space().clone();
  Space& aspace = *aspace_copy;
  aspace.seed(seed);
  std::vector<Action> actions;
  for (int i = 0; i < steps; ++i) actions.push_back(sample_action(aspace));

  // stepping before any reset must be refused
  try {
    auto fresh = env.clone();
    bool threw = false;
    if (fresh->needs_reset()) {
      try {
        fresh->step(actions[0]);
      } catch (const ResetNeeded&) {
        threw = true;
      }
      if (!threw) P.push_back("step() before reset() did not throw ResetNeeded");
    }
  } catch (const std::exception& e) {
    P.push_back(std::string("clone() threw: ") + e.what());
  }

  ResetResult r0 = env.reset(seed);
  if (!env.observation_space().contains(r0.observation))
    P.push_back("reset() returned an observation of shape " + shape_str(r0.observation.shape()) +
                " outside the observation space " + env.observation_space().str() +
                ": check its bounds and dtype/shape");
  Trace a = run(env, actions, &P, "seeded run");
  a.obs.insert(a.obs.begin(), r0.observation);

  ResetResult r1 = env.reset(seed);
  Trace b = run(env, actions, nullptr, "");
  b.obs.insert(b.obs.begin(), r1.observation);
  if (!same(a, b))
    P.push_back("the same seed and actions gave different trajectories: seed the environment's "
                "randomness only from rng() (reset(seed) seeds it) and keep no other state across "
                "episodes");

  ResetResult r2 = env.reset(seed + 1);
  Trace c = run(env, actions, nullptr, "");
  c.obs.insert(c.obs.begin(), r2.observation);
  if (!deterministic && same(a, c))
    P.push_back("seeds " + std::to_string(seed) + " and " + std::to_string(seed + 1) +
                " gave identical trajectories: does reset() draw its initial state from rng()?");

  // clone() mid-episode continues identically
  env.reset(seed);
  const size_t half = actions.size() / 2;
  run(env, std::vector<Action>(actions.begin(), actions.begin() + half), nullptr, "");
  std::vector<Action> rest(actions.begin() + half, actions.end());
  try {
    auto copy = env.clone();
    Trace orig = run(env, rest, nullptr, ""), cl = run(*copy, rest, nullptr, "");
    if (!same(orig, cl))
      P.push_back("clone() did not continue like the original: it must copy the full state, RNG "
                  "included");
  } catch (const std::exception& e) {
    P.push_back(std::string("clone() mid-episode gave an env that could not continue (") +
                e.what() + "): it must copy the full state, episode flags and RNG included");
  }

  // invalid actions and steps after the end
  env.reset(seed);
  Action bad;
  if (auto* d = dynamic_cast<const Discrete*>(&env.action_space())) {
    bad = Action(d->start + d->size);
  } else {
    nets::Tensor v = nets::Tensor::from_shape(env.action_space().shape());
    std::fill(v.begin(), v.end(), NAN);
    bad = Action::box(v);
  }
  try {
    env.step(bad);
    P.push_back("an action outside the action space (" + bad.str() + ") was accepted");
  } catch (const InvalidAction&) {
  }
  env.reset(seed);
  bool ended = false;
  for (int i = 0; i < 100000 && !ended; ++i) {
    StepResult s = env.step(sample_action(aspace));
    ended = s.terminated || s.truncated;
  }
  if (ended) {
    try {
      env.step(actions[0]);
      P.push_back("step() after the episode ended (without reset) did not throw ResetNeeded");
    } catch (const ResetNeeded&) {
    }
  }
  return rep;
}

}  // namespace seqrl::env
