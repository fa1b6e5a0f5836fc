// CartPole-v1, following Gymnasium's classic_control/cartpole.py exactly (Barto, Sutton and
// Anderson 1983): float64 state, float32 observation, Euler integration with the same order of
// operations and grouping of products, +1 reward on every step including the terminating one,
// initial state U(-0.05, 0.05)^4 from the env's Rng. Observations match Gymnasium's to 1 ulp
// given the same initial state and actions (tests/env/test_env.cpp checks golden trajectories from tests/env/gen_cartpole_golden.py).
#pragma once

#include <array>

#include "seqrl/env/env.hpp"

namespace seqrl::env {

class CartPole final : public Env {
 public:
  CartPole();
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return act_space_; }
  std::unique_ptr<Env> clone() const override { return std::make_unique<CartPole>(*this); }
  // The float64 state (x, x_dot, theta, theta_dot); settable for tests and search.
  std::array<double, 4> state{};
  // The dynamics of one step for action 0 or 1 (the caller checks it), without the Env
  // bookkeeping: writes the float32 observation to obs[0..4), sets terminated, returns the reward.
  // step_into is this plus the bookkeeping; VectorEnv's CartPole loop calls it directly.
  double advance(int64_t action, float* obs, bool& terminated);
  // advance for n CartPoles at once (VectorEnv's CartPole loop): observations to obs[4 * j ...],
  // rewards[j], terminated[j] for envs[j] and actions[j]. The float64 arithmetic runs across the
  // batch in SIMD lanes (sin and cos stay libm's scalar calls): the same bits as n advance calls.
  static void advance_batch(CartPole* const* envs, const int64_t* actions, size_t n, float* obs, double* rewards,
                            bool* terminated);

 protected:
  ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) override;
  StepResult step_impl(const Action& action) override;
  void step_into(const Action& action, StepResult& out) override;
  void reset_into(std::optional<uint64_t> seed, const Info& options, ResetResult& out) override;
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;

 private:
  void observe_into(Observation& o) const;
  // The float32 observation of the state, written to obs[0..4).
  void observe(float* obs) const {
    for (size_t k = 0; k < 4; ++k) obs[k] = static_cast<float>(state[k]);
  }
  // A step's reward given whether the episode has ended (1, and 0 for steps past the end).
  double reward_of(bool terminated);
  // sin and cos of the angle the next step starts from, computed by the step that produced it,
  // beside that step's divisions (the two are independent, so the CPU overlaps them instead of
  // running sincos, then the divisions, in one chain). Used only while `state[2]` still holds
  // exactly `next_theta_` (bit for bit), so setting `state` from outside stays correct.
  void sincos_of(double theta, double& s, double& c);
  double next_theta_ = 0.0, next_sin_ = 0.0, next_cos_ = 1.0;
  bool next_valid_ = false;
  Box obs_space_;
  Discrete act_space_{2};
  int steps_beyond_terminated_ = -1;
};

}  // namespace seqrl::env
