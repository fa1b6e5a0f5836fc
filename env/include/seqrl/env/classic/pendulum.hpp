// Pendulum-v1 (Gymnasium classic_control/pendulum.py): swing a pendulum up and keep it upright.
// Box action (torque in [-2, 2]), observation (cos th, sin th, th_dot); reward
// -(angle_normalize(th)^2 + 0.1 th_dot^2 + 0.001 u^2); never terminates (TimeLimit 200).
#pragma once

#include <array>

#include "seqrl/env/env.hpp"

namespace seqrl::env {

class Pendulum : public Env {
 public:
  explicit Pendulum(double g = 10.0);
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return act_space_; }
  std::unique_ptr<Env> clone() const override { return std::make_unique<Pendulum>(*this); }
  std::array<double, 2> state{};  // th, th_dot (float64)
  double g;

 protected:
  ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) override;
  StepResult step_impl(const Action& action) override;
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;

 private:
  Observation observe() const;
  Box obs_space_, act_space_;
};

}  // namespace seqrl::env
