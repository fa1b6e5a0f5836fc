// Vector environments: N copies stepping together, Gymnasium's SyncVectorEnv semantics with the
// default (next-step) autoreset: when sub-env i ends at step t, step t returns its final
// observation, reward and flags; step t+1 resets it (ignoring the action given for it) and returns
// the reset observation with reward 0 and both flags false. Sub-env i is seeded seed + i.
// Observations come batched as one tensor [N, ...obs shape]. VectorEnv runs the sub-envs in the
// calling thread; ThreadedVectorEnv splits them across seqrl's thread pool (parallel.hpp).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "seqrl/env/env.hpp"

namespace seqrl::env {

class CartPole;
class TimeLimit;

struct VectorStep {
  nets::Tensor observations;      // [N, ...]
  std::vector<double> rewards;    // [N]
  std::vector<uint8_t> terminated, truncated;  // [N]
  std::vector<Info> infos;        // [N]; infos[i]["episode"] when wrapped in RecordEpisodeStatistics
};

class VectorEnv {
 public:
  // make() builds one sub-env (called num_envs times).
  VectorEnv(const std::function<std::unique_ptr<Env>()>& make, size_t num_envs);
  virtual ~VectorEnv() = default;
  size_t num_envs() const { return envs_.size(); }
  const Space& single_observation_space() const { return envs_[0]->observation_space(); }
  const Space& single_action_space() const { return envs_[0]->action_space(); }
  // Resets every sub-env; sub-env i gets seed + i when a seed is given, and every sub-env the same
  // options (as Gymnasium's SyncVectorEnv passes them).
  nets::Tensor reset(std::optional<uint64_t> seed = std::nullopt, const Info& options = Info());
  // One step of every sub-env; actions has num_envs entries.
  VectorStep step(const std::vector<Action>& actions);
  // The same, written into out and reusing its buffers (no allocation per step once sized).
  void step(const std::vector<Action>& actions, VectorStep& out);
  // The same for a Discrete action space from num_envs bare action indices (no env::Action per
  // sub-env: the Python binding passes a numpy array's data).
  void step(const int64_t* indices, VectorStep& out);
  Env& env(size_t i) { return *envs_[i]; }
  // Whether steps take the direct CartPole loop (see DirectCartPole below).
  bool direct_cartpole() const { return !direct_.empty(); }
  // Every sub-env's state (Env::get_state) and the autoreset flags, for run checkpoints.
  nlohmann::json get_state() const;
  void set_state(const nlohmann::json& state);

 protected:
  // Steps every sub-env into out (ThreadedVectorEnv overrides it to run them in parallel).
  // One step's actions: env::Actions, or bare indices for a Discrete action space.
  struct Actions {
    const Action* actions = nullptr;
    const int64_t* indices = nullptr;
  };
  virtual void step_range(const Actions& actions, VectorStep& out);
  // Sub-envs [begin, end) one by one (step_one), or through step_direct when it applies.
  void step_envs(size_t begin, size_t end, const Actions& actions, VectorStep& out);
  void step_one(size_t i, const Action& a, VectorStep& out);
  // Sizes out's buffers for this env (no allocation once sized) and clears its infos.
  void prepare(VectorStep& out) const;
  // Refuses a step before any sub-env moves: the first sub-env whose own step() would refuse its
  // action or its episode state (for the direct loop, also its inner CartPole's) throws that
  // error (through step_one), nothing stepped. step() calls it before step_range.
  void check(const Actions& actions, VectorStep& out);
  // When every sub-env is exactly TimeLimit(CartPole), as env::make("CartPole-v1") builds it
  // (Gymnasium has a CartPoleVectorEnv for the same reason), sub-envs [begin, end) step through
  // CartPole::advance_batch (the dynamics across the batch in SIMD lanes), and this loop keeps
  // the TimeLimit counts, episode flags and autoresets itself: no virtual calls, no per-step
  // buffers. Same results, bit for bit, as step_one. check() has already refused what Env::step
  // would (invalid actions, steps that need a reset).
  void step_direct(size_t begin, size_t end, const Actions& actions, VectorStep& out);
  struct DirectCartPole {
    TimeLimit* limit;
    CartPole* cartpole;
  };
  std::vector<DirectCartPole> direct_;  // empty unless every sub-env qualifies
  std::vector<std::unique_ptr<Env>> envs_;
  std::vector<uint8_t> autoreset_;  // sub-env i ended on the previous step
  std::vector<StepResult> results_;  // per sub-env step buffers (Env::step in place)
  size_t obs_size_ = 0;
  bool discrete_actions_ = false;  // the action space is Discrete (step(indices) applies)
  int64_t disc_lo_ = 0, disc_hi_ = 0;  // its indices [lo, hi)
};

class ThreadedVectorEnv : public VectorEnv {
 public:
  using VectorEnv::VectorEnv;

 protected:
  void step_range(const Actions& actions, VectorStep& out) override;
};

}  // namespace seqrl::env
