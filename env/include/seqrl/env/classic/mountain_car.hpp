// MountainCar-v0 (Gymnasium classic_control/mountain_car.py): drive an underpowered car up a hill.
// Discrete(3) actions (push left, none, right), observation (position, velocity), reward -1 per
// step, terminated at position >= 0.5 (TimeLimit 200, reward threshold -110).
#pragma once

#include <array>

#include "seqrl/env/env.hpp"

namespace seqrl::env {

class MountainCar : public Env {
 public:
  MountainCar();
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return act_space_; }
  std::unique_ptr<Env> clone() const override { return std::make_unique<MountainCar>(*this); }
  std::array<double, 2> state{};  // position, velocity (float64)

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
