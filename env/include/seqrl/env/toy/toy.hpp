// Toy tasks: a k-armed Gaussian bandit and FrozenLake.
#pragma once

#include <string>
#include <vector>

#include "seqrl/env/env.hpp"

namespace seqrl::env {

// k-armed Gaussian bandit (Sutton & Barto, section 2.3): at reset the arm means q*(a) are drawn
// N(0, 1) from the env's Rng; pulling arm a pays N(q*(a), 1). The observation is a constant [0]
// (one state); episodes never terminate (the registry's TimeLimit sets the horizon, 100 by
// default). info["optimal"] is 1 when the pulled arm has the highest mean.
class GaussianBandit : public Env {
 public:
  explicit GaussianBandit(int arms = 10);
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return act_space_; }
  std::unique_ptr<Env> clone() const override { return std::make_unique<GaussianBandit>(*this); }
  std::vector<double> means;

 protected:
  ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) override;
  StepResult step_impl(const Action& action) override;
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;

 private:
  Box obs_space_{0.f, 0.f, {1}};
  Discrete act_space_;
};

// FrozenLake (Gymnasium toy_text/frozen_lake.py): walk from S to G on a grid without falling into
// a hole H. Actions 0 left, 1 down, 2 right, 3 up; on slippery ice the move goes the intended way
// or either perpendicular way with probability 1/3 each. Reward 1 on reaching G; terminated at G
// or H. The observation is the cell index (row * ncol + col) as a Discrete value.
class FrozenLake : public Env {
 public:
  // map_name "4x4" or "8x8" (Gymnasium's maps), or a custom map as rows of S/F/H/G.
  explicit FrozenLake(const std::string& map_name = "4x4", bool slippery = true,
                      std::vector<std::string> custom_map = {});
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return act_space_; }
  std::unique_ptr<Env> clone() const override { return std::make_unique<FrozenLake>(*this); }
  std::vector<std::string> desc;
  bool slippery;
  int64_t state = 0;

 protected:
  ResetResult reset_impl(std::optional<uint64_t> seed, const Info& options) override;
  StepResult step_impl(const Action& action) override;
  nlohmann::json get_state_impl() const override;
  void set_state_impl(const nlohmann::json& s) override;

 private:
  Observation observe() const;
  int nrow_, ncol_;
  Discrete obs_space_;
  Discrete act_space_{4};
};

}  // namespace seqrl::env
