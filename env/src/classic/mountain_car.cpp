// MountainCar-v0, transcribed from Gymnasium's classic_control/mountain_car.py.
#include "seqrl/env/classic/mountain_car.hpp"

#include <algorithm>
#include <cmath>

namespace seqrl::env {

namespace {
constexpr double kMinPos = -1.2, kMaxPos = 0.6, kMaxVel = 0.07, kGoal = 0.5, kForce = 0.001,
                 kGravity = 0.0025;
}  // namespace

MountainCar::MountainCar()
    : obs_space_(nets::Tensor{static_cast<float>(kMinPos), -static_cast<float>(kMaxVel)},
                 nets::Tensor{static_cast<float>(kMaxPos), static_cast<float>(kMaxVel)}) {}

Observation MountainCar::observe() const {
  Observation o = Observation::from_shape({2});
  o(0) = static_cast<float>(state[0]);
  o(1) = static_cast<float>(state[1]);
  return o;
}

ResetResult MountainCar::reset_impl(std::optional<uint64_t>, const Info&) {
  state = {-0.6 + 0.2 * rng().uniform_double(), 0.0};
  return {observe(), Info()};
}

StepResult MountainCar::step_impl(const Action& action) {
  auto [position, velocity] = state;
  velocity += static_cast<double>(action.index - 1) * kForce + std::cos(3 * position) * (-kGravity);
  velocity = std::clamp(velocity, -kMaxVel, kMaxVel);
  position += velocity;
  position = std::clamp(position, kMinPos, kMaxPos);
  if (position == kMinPos && velocity < 0) velocity = 0;
  const bool terminated = position >= kGoal && velocity >= 0;
  state = {position, velocity};
  return {observe(), -1.0, terminated, false, Info()};
}

nlohmann::json MountainCar::get_state_impl() const { return {{"state", state}}; }
void MountainCar::set_state_impl(const nlohmann::json& s) {
  state = s.at("state").get<std::array<double, 2>>();
}

}  // namespace seqrl::env
