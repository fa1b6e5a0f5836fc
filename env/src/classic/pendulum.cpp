// Pendulum-v1, transcribed from Gymnasium's classic_control/pendulum.py.
#include "seqrl/env/classic/pendulum.hpp"

#include <algorithm>
#include <cmath>

namespace seqrl::env {

namespace {
constexpr double kMaxSpeed = 8.0, kMaxTorque = 2.0, kDt = 0.05, kMass = 1.0, kLen = 1.0;
double angle_normalize(double x) {  // Python's ((x + pi) % (2 pi)) - pi: result in [-pi, pi)
  const double m = std::fmod(x + M_PI, 2 * M_PI);
  return (m < 0 ? m + 2 * M_PI : m) - M_PI;
}
}  // namespace

Pendulum::Pendulum(double g_)
    : g(g_),
      obs_space_(nets::Tensor{-1.f, -1.f, -static_cast<float>(kMaxSpeed)},
                 nets::Tensor{1.f, 1.f, static_cast<float>(kMaxSpeed)}),
      act_space_(-static_cast<float>(kMaxTorque), static_cast<float>(kMaxTorque), {1}) {}

Observation Pendulum::observe() const {
  Observation o = Observation::from_shape({3});
  o(0) = static_cast<float>(std::cos(state[0]));
  o(1) = static_cast<float>(std::sin(state[0]));
  o(2) = static_cast<float>(state[1]);
  return o;
}

ResetResult Pendulum::reset_impl(std::optional<uint64_t>, const Info&) {
  state[0] = -M_PI + 2 * M_PI * rng().uniform_double();
  state[1] = -1.0 + 2.0 * rng().uniform_double();
  return {observe(), Info()};
}

StepResult Pendulum::step_impl(const Action& action) {
  const double th = state[0], thdot = state[1];
  const double u = std::clamp(static_cast<double>(action.value.data()[0]), -kMaxTorque, kMaxTorque);
  const double costs = angle_normalize(th) * angle_normalize(th) + .1 * thdot * thdot + .001 * (u * u);
  double newthdot = thdot + (3 * g / (2 * kLen) * std::sin(th) + 3.0 / (kMass * kLen * kLen) * u) * kDt;
  newthdot = std::clamp(newthdot, -kMaxSpeed, kMaxSpeed);
  const double newth = th + newthdot * kDt;
  state = {newth, newthdot};
  return {observe(), -costs, false, false, Info()};
}

nlohmann::json Pendulum::get_state_impl() const { return {{"state", state}}; }
void Pendulum::set_state_impl(const nlohmann::json& s) {
  state = s.at("state").get<std::array<double, 2>>();
}

}  // namespace seqrl::env
