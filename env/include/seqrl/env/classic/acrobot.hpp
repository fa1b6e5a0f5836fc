// Acrobot-v1 (Gymnasium classic_control/acrobot.py; Sutton 1996): swing a two-link pendulum's tip
// above the bar. Discrete torques {-1, 0, +1} on the joint, RK4 integration over dt = 0.2 with the
// "book" dynamics, reward -1 per step and 0 on the terminating one (TimeLimit 500, threshold -100).
#pragma once

#include <array>

#include "seqrl/env/env.hpp"

namespace seqrl::env {

class Acrobot : public Env {
 public:
  Acrobot();
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return act_space_; }
  std::unique_ptr<Env> clone() const override { return std::make_unique<Acrobot>(*this); }
  std::array<double, 4> state{};  // theta1, theta2, dtheta1, dtheta2

 protected:
  ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) override;
  StepResult step_impl(const Action& action) override;
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;

 private:
  Observation observe() const;
  Box obs_space_;
  Discrete act_space_{3};
};

}  // namespace seqrl::env
