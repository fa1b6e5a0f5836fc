// Gymnasium's cartpole.py, transcribed operation for operation (the grouping of products matters
// for bit-exact observations).
#include "seqrl/env/classic/cartpole.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace seqrl::env {

namespace {
constexpr double kGravity = 9.8, kMassCart = 1.0, kMassPole = 0.1;
constexpr double kTotalMass = kMassPole + kMassCart;
constexpr double kLength = 0.5;  // half the pole's length
constexpr double kPoleMassLength = kMassPole * kLength;
constexpr double kForceMag = 10.0, kTau = 0.02;
const double kThetaThreshold = 12 * 2 * M_PI / 360;
constexpr double kXThreshold = 2.4;

nets::Tensor high_bounds() {
  // Gymnasium bounds the velocities by float32's max, not infinity
  const float fmax = std::numeric_limits<float>::max();
  nets::Tensor h = {static_cast<float>(kXThreshold * 2), fmax,
                    static_cast<float>(kThetaThreshold * 2), fmax};
  return h;
}
}  // namespace

CartPole::CartPole() : obs_space_(nets::Tensor(-high_bounds()), high_bounds()) {}

void CartPole::observe_into(Observation& o) const {
  if (o.dimension() != 1 || o.size() != 4) o = Observation::from_shape({4});
  observe(o.data());
}

ResetResult CartPole::reset_impl(std::optional<uint64_t> seed, const Info& options) {
  ResetResult r;
  reset_into(seed, options, r);
  return r;
}

void CartPole::reset_into(std::optional<uint64_t>, const Info& options, ResetResult& out) {
  double low = -0.05, high = 0.05;
  if (options.contains("low")) low = options["low"].get<double>();
  if (options.contains("high")) high = options["high"].get<double>();
  if (!(low <= high))
    throw ValueError("CartPole reset options: low " + std::to_string(low) + " > high " +
                     std::to_string(high));
  for (auto& s : state) s = low + (high - low) * rng().uniform_double();  // numpy's uniform
  steps_beyond_terminated_ = -1;
  observe_into(out.observation);
  if (!out.info.is_null()) out.info = Info();
}

StepResult CartPole::step_impl(const Action& action) {
  StepResult r;
  step_into(action, r);
  return r;
}

void CartPole::sincos_of(double theta, double& s, double& c) {
  if (next_valid_ && std::memcmp(&theta, &next_theta_, sizeof theta) == 0) {
    s = next_sin_, c = next_cos_;
  } else {
    s = std::sin(theta), c = std::cos(theta);
  }
}

void CartPole::step_into(const Action& action, StepResult& out) {
  if (out.observation.dimension() != 1 || out.observation.size() != 4) out.observation = Observation::from_shape({4});
  bool terminated = false;
  out.reward = advance(action.index, out.observation.data(), terminated);
  out.terminated = terminated;
  out.truncated = false;
  if (!out.info.is_null()) out.info = Info();
}

namespace {
// One Euler step of Gymnasium's dynamics given sin and cos of theta, every product and sum
// rounded as Python rounds it. Inline and branch-free, so that advance_batch's loop over it
// vectorises: the float64 arithmetic gives the same bits in SIMD lanes as in scalar code.
inline void euler(double& x, double& x_dot, double& theta, double& theta_dot, double force, double sintheta,
                  double costheta) {
  // Python's `theta_dot**2` and `costheta**2` are libm pow(x, 2.0), which glibc rounds to within
  // 0.52 ulp, so about 1 square in 1,100 is one ulp off the correctly rounded x * x used here.
  // Calling pow (about 1 in 10 calls, guarded) made every step 25% slower; measured, the float64
  // state differed from Python's in 18 of 34,753 steps (one episode of 2,000) and the float32
  // observations in none.
  const double temp = (force + kPoleMassLength * (theta_dot * theta_dot) * sintheta) / kTotalMass;
  const double thetaacc = (kGravity * sintheta - costheta * temp) /
                          (kLength * (4.0 / 3.0 - kMassPole * (costheta * costheta) / kTotalMass));
  const double xacc = temp - kPoleMassLength * thetaacc * costheta / kTotalMass;
  x = x + kTau * x_dot;
  x_dot = x_dot + kTau * xacc;
  theta = theta + kTau * theta_dot;
  theta_dot = theta_dot + kTau * thetaacc;
}

// The next angle depends only on this step's inputs: its sin and cos are computed now (in
// advance, where they overlap the divisions; same functions, same values).
inline double next_theta(double theta, double theta_dot) { return theta + kTau * theta_dot; }

// The episode's end after a step (| rather than ||: no branches, so it vectorises too).
inline bool fell(double x, double theta) {
  return (x < -kXThreshold) | (x > kXThreshold) | (theta < -kThetaThreshold) | (theta > kThetaThreshold);
}
}  // namespace

double CartPole::reward_of(bool terminated) {
  if (!terminated) return 1.0;
  if (steps_beyond_terminated_ < 0) {
    steps_beyond_terminated_ = 0;  // the pole just fell: this step still earns 1
    return 1.0;
  }
  ++steps_beyond_terminated_;
  return 0.0;
}

double CartPole::advance(int64_t action, float* obs, bool& terminated) {
  auto& [x, x_dot, theta, theta_dot] = state;
  double sintheta, costheta;
  sincos_of(theta, sintheta, costheta);
  const double theta_next = next_theta(theta, theta_dot);
  next_sin_ = std::sin(theta_next), next_cos_ = std::cos(theta_next);
  next_theta_ = theta_next, next_valid_ = true;
  // +-10 for action 1 or 0 without a branch (a random policy's actions mispredict half the time)
  euler(x, x_dot, theta, theta_dot, kForceMag * double(2 * action - 1), sintheta, costheta);
  terminated = fell(x, theta);
  observe(obs);
  return reward_of(terminated);
}

void CartPole::advance_batch(CartPole* const* envs, const int64_t* actions, size_t n, float* obs, double* rewards,
                             bool* terminated) {
  constexpr size_t kChunk = 64;  // a multiple of 8
  alignas(64) double x[kChunk], x_dot[kChunk], theta[kChunk], theta_dot[kChunk], force[kChunk], sn[kChunk],
      cs[kChunk];
  alignas(64) bool ended[kChunk];
  for (size_t b = 0; b < n; b += kChunk) {
    const size_t m = std::min(kChunk, n - b);
    CartPole* const* e = envs + b;
    for (size_t j = 0; j < m; ++j) {  // gather, and the scalar libm calls
      x[j] = e[j]->state[0], x_dot[j] = e[j]->state[1], theta[j] = e[j]->state[2], theta_dot[j] = e[j]->state[3];
      force[j] = kForceMag * double(2 * actions[b + j] - 1);
      e[j]->sincos_of(theta[j], sn[j], cs[j]);
      const double theta_next = next_theta(theta[j], theta_dot[j]);
      e[j]->next_sin_ = std::sin(theta_next), e[j]->next_cos_ = std::cos(theta_next);
      e[j]->next_theta_ = theta_next, e[j]->next_valid_ = true;
    }
    // whole SIMD blocks of 8 lanes (the compiler's scalar remainder ran up to 7 envs' division
    // chains one after another); the spare lanes hold an upright cart at rest
    const size_t lanes = (m + 7) / 8 * 8;
    for (size_t j = m; j < lanes; ++j) x[j] = x_dot[j] = theta[j] = theta_dot[j] = force[j] = sn[j] = 0.0, cs[j] = 1.0;
    for (size_t j = 0; j < lanes; ++j) {
      euler(x[j], x_dot[j], theta[j], theta_dot[j], force[j], sn[j], cs[j]);
      ended[j] = fell(x[j], theta[j]);
    }
    for (size_t j = 0; j < m; ++j) {  // scatter
      e[j]->state = {x[j], x_dot[j], theta[j], theta_dot[j]};
      e[j]->observe(obs + 4 * (b + j));
      terminated[b + j] = ended[j];
      rewards[b + j] = e[j]->reward_of(ended[j]);
    }
  }
}

nlohmann::json CartPole::get_state_impl() const {
  return {{"state", state}, {"steps_beyond_terminated", steps_beyond_terminated_}};
}
void CartPole::set_state_impl(const nlohmann::json& s) {
  state = s.at("state").get<std::array<double, 4>>();
  steps_beyond_terminated_ = s.at("steps_beyond_terminated").get<int>();
}

}  // namespace seqrl::env
