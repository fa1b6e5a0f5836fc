// Acrobot-v1, transcribed from Gymnasium's acrobot.py (book dynamics, rk4 over [0, dt]).
#include "seqrl/env/classic/acrobot.hpp"

#include <algorithm>
#include <cmath>

namespace seqrl::env {

namespace {
constexpr double kDt = 0.2, kL1 = 1.0, kM1 = 1.0, kM2 = 1.0, kLc1 = 0.5, kLc2 = 0.5, kI = 1.0;
const double kMaxVel1 = 4 * M_PI, kMaxVel2 = 9 * M_PI;
constexpr double kTorque[3] = {-1.0, 0.0, 1.0};
using State5 = std::array<double, 5>;  // the state augmented with the torque

State5 dsdt(const State5& s) {
  const double g = 9.8, a = s[4], theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3];
  const double d1 = kM1 * (kLc1 * kLc1) + kM2 * ((kL1 * kL1) + (kLc2 * kLc2) + 2 * kL1 * kLc2 * std::cos(theta2)) + kI + kI;
  const double d2 = kM2 * ((kLc2 * kLc2) + kL1 * kLc2 * std::cos(theta2)) + kI;
  const double phi2 = kM2 * kLc2 * g * std::cos(theta1 + theta2 - M_PI / 2.0);
  const double phi1 = -kM2 * kL1 * kLc2 * (dtheta2 * dtheta2) * std::sin(theta2) -
                      2 * kM2 * kL1 * kLc2 * dtheta2 * dtheta1 * std::sin(theta2) +
                      (kM1 * kLc1 + kM2 * kL1) * g * std::cos(theta1 - M_PI / 2) + phi2;
  const double ddtheta2 =
      (a + d2 / d1 * phi1 - kM2 * kL1 * kLc2 * (dtheta1 * dtheta1) * std::sin(theta2) - phi2) /
      (kM2 * (kLc2 * kLc2) + kI - (d2 * d2) / d1);
  const double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return {dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0};
}

State5 axpy(const State5& y, double h, const State5& k) {
  State5 r;
  for (size_t i = 0; i < 5; ++i) r[i] = y[i] + h * k[i];
  return r;
}

double wrap(double x, double m, double M) {
  const double diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}
}  // namespace

Acrobot::Acrobot()
    : obs_space_(nets::Tensor{-1.f, -1.f, -1.f, -1.f, -static_cast<float>(kMaxVel1), -static_cast<float>(kMaxVel2)},
                 nets::Tensor{1.f, 1.f, 1.f, 1.f, static_cast<float>(kMaxVel1), static_cast<float>(kMaxVel2)}) {}

Observation Acrobot::observe() const {
  Observation o = Observation::from_shape({6});
  o(0) = static_cast<float>(std::cos(state[0]));
  o(1) = static_cast<float>(std::sin(state[0]));
  o(2) = static_cast<float>(std::cos(state[1]));
  o(3) = static_cast<float>(std::sin(state[1]));
  o(4) = static_cast<float>(state[2]);
  o(5) = static_cast<float>(state[3]);
  return o;
}

ResetResult Acrobot::reset_impl(std::optional<uint64_t>, const Info& options) {
  double low = -0.1, high = 0.1;
  if (options.contains("low")) low = options["low"].get<double>();
  if (options.contains("high")) high = options["high"].get<double>();
  for (auto& s : state)  // Gymnasium keeps the initial state as float32
    s = static_cast<float>(low + (high - low) * rng().uniform_double());
  return {observe(), Info()};
}

StepResult Acrobot::step_impl(const Action& action) {
  const State5 y0{state[0], state[1], state[2], state[3], kTorque[action.index]};
  const double dt = kDt, dt2 = dt / 2.0;
  const State5 k1 = dsdt(y0), k2 = dsdt(axpy(y0, dt2, k1)), k3 = dsdt(axpy(y0, dt2, k2)),
               k4 = dsdt(axpy(y0, dt, k3));
  std::array<double, 4> ns;
  for (size_t i = 0; i < 4; ++i) ns[i] = y0[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  ns[0] = wrap(ns[0], -M_PI, M_PI);
  ns[1] = wrap(ns[1], -M_PI, M_PI);
  ns[2] = std::min(std::max(ns[2], -kMaxVel1), kMaxVel1);
  ns[3] = std::min(std::max(ns[3], -kMaxVel2), kMaxVel2);
  state = ns;
  const bool terminated = -std::cos(state[0]) - std::cos(state[1] + state[0]) > 1.0;
  return {observe(), terminated ? 0.0 : -1.0, terminated, false, Info()};
}

nlohmann::json Acrobot::get_state_impl() const { return {{"state", state}}; }
void Acrobot::set_state_impl(const nlohmann::json& s) {
  state = s.at("state").get<std::array<double, 4>>();
}

}  // namespace seqrl::env
