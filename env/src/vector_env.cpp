#include "seqrl/env/vector_env.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <typeinfo>

#include "seqrl/env/classic/cartpole.hpp"
#include "seqrl/env/wrappers.hpp"
#include "seqrl/nets/parallel.hpp"

namespace seqrl::env {

VectorEnv::VectorEnv(const std::function<std::unique_ptr<Env>()>& make, size_t n) {
  if (n == 0) throw ValueError("VectorEnv: num_envs must be positive");
  for (size_t i = 0; i < n; ++i) envs_.push_back(make());
  obs_size_ = nets::numel(envs_[0]->observation_space().shape());
  autoreset_.assign(n, 0);
  results_.resize(n);
  if (auto* d = dynamic_cast<const Discrete*>(&single_action_space()))
    discrete_actions_ = true, disc_lo_ = d->start, disc_hi_ = d->start + d->size;
  for (auto& e : envs_) {  // the direct CartPole loop, if every sub-env is TimeLimit(CartPole)
    Env& outer = *e;
    auto* limit = typeid(outer) == typeid(TimeLimit) ? static_cast<TimeLimit*>(&outer) : nullptr;
    Env* inner = limit ? &limit->inner() : nullptr;
    if (!inner || typeid(*inner) != typeid(CartPole)) {
      direct_.clear();
      break;
    }
    direct_.push_back({limit, static_cast<CartPole*>(inner)});
  }
}

namespace {
nets::Shape batched(size_t n, const nets::Shape& s) {
  nets::Shape b{n};
  b.insert(b.end(), s.begin(), s.end());
  return b;
}
}  // namespace

nets::Tensor VectorEnv::reset(std::optional<uint64_t> seed, const Info& options) {
  nets::Tensor obs = nets::Tensor::from_shape(batched(envs_.size(), single_observation_space().shape()));
  for (size_t i = 0; i < envs_.size(); ++i) {
    ResetResult r = envs_[i]->reset(seed ? std::optional<uint64_t>(*seed + i) : std::nullopt, options);
    std::memcpy(obs.data() + i * obs_size_, r.observation.data(), obs_size_ * sizeof(float));
  }
  std::fill(autoreset_.begin(), autoreset_.end(), 0);
  return obs;
}

void VectorEnv::step_one(size_t i, const Action& a, VectorStep& out) {
  Observation o;
  if (autoreset_[i]) {  // next-step autoreset: this step only resets
    ResetResult r = envs_[i]->reset();
    o = std::move(r.observation);
    out.rewards[i] = 0.0;
    out.terminated[i] = out.truncated[i] = 0;
    out.infos[i] = std::move(r.info);
    autoreset_[i] = 0;
    std::memcpy(out.observations.data() + i * obs_size_, o.data(), obs_size_ * sizeof(float));
  } else {
    StepResult& r = results_[i];
    envs_[i]->step(a, r);
    out.rewards[i] = r.reward;
    out.terminated[i] = r.terminated;
    out.truncated[i] = r.truncated;
    if (!r.info.is_null()) out.infos[i] = std::move(r.info);
    autoreset_[i] = r.terminated || r.truncated;
    std::memcpy(out.observations.data() + i * obs_size_, r.observation.data(), obs_size_ * sizeof(float));
  }
}

void VectorEnv::step_direct(size_t begin, size_t end, const Actions& actions, VectorStep& out) {
  constexpr size_t kChunk = 64;
  CartPole* envs[kChunk];
  int64_t acts[kChunk];
  size_t rows[kChunk];
  alignas(64) float obs[4 * kChunk];
  double rewards[kChunk];
  bool terminated[kChunk];
  ResetResult reset;
  for (size_t b = begin; b < end; b += kChunk) {
    size_t m = 0;
    for (size_t i = b; i < std::min(end, b + kChunk); ++i) {
      DirectCartPole& d = direct_[i];
      if (autoreset_[i]) {  // TimeLimit::reset_impl and Env::reset, without building a result
        d.limit->elapsed_steps = 0;
        d.cartpole->reset(reset);
        d.limit->needs_reset_ = false;
        std::memcpy(out.observations.data() + i * 4, reset.observation.data(), 4 * sizeof(float));
        out.rewards[i] = 0.0;
        out.terminated[i] = out.truncated[i] = 0;
        autoreset_[i] = 0;
      } else {  // (check() has refused whatever Env::step would)
        envs[m] = d.cartpole, acts[m] = actions.actions ? actions.actions[i].index : actions.indices[i];
        rows[m] = i, ++m;
      }
    }
    CartPole::advance_batch(envs, acts, m, obs, rewards, terminated);
    for (size_t j = 0; j < m; ++j) {  // TimeLimit::step_into, then Env::step's flags
      const size_t i = rows[j];
      DirectCartPole& d = direct_[i];
      const bool truncated = ++d.limit->elapsed_steps >= d.limit->max_episode_steps;
      if (terminated[j]) d.cartpole->needs_reset_ = true;
      if (terminated[j] || truncated) d.limit->needs_reset_ = true;
      std::memcpy(out.observations.data() + i * 4, obs + 4 * j, 4 * sizeof(float));
      out.rewards[i] = rewards[j];
      out.terminated[i] = terminated[j];
      out.truncated[i] = truncated;
      autoreset_[i] = terminated[j] || truncated;
    }
  }
}

void VectorEnv::step_envs(size_t begin, size_t end, const Actions& actions, VectorStep& out) {
  if (!direct_.empty()) return step_direct(begin, end, actions, out);
  if (actions.actions) {
    for (size_t i = begin; i < end; ++i) step_one(i, actions.actions[i], out);
  } else {
    Action a;  // one Action for the range, its index rewritten
    for (size_t i = begin; i < end; ++i) a.index = actions.indices[i], step_one(i, a, out);
  }
}

void VectorEnv::step_range(const Actions& actions, VectorStep& out) { step_envs(0, envs_.size(), actions, out); }

VectorStep VectorEnv::step(const std::vector<Action>& actions) {
  VectorStep out;
  step(actions, out);
  return out;
}

void VectorEnv::step(const std::vector<Action>& actions, VectorStep& out) {
  if (actions.size() != envs_.size())
    throw ValueError("VectorEnv::step: " + std::to_string(actions.size()) + " actions for " +
                     std::to_string(envs_.size()) + " environments");
  prepare(out);
  check({actions.data(), nullptr}, out);
  step_range({actions.data(), nullptr}, out);
}

void VectorEnv::step(const int64_t* indices, VectorStep& out) {
  if (!discrete_actions_)
    throw ValueError("VectorEnv::step: action indices for a " + single_action_space().str() +
                     " action space (indices need a Discrete one)");
  prepare(out);
  check({nullptr, indices}, out);
  step_range({nullptr, indices}, out);
}

void VectorEnv::check(const Actions& actions, VectorStep& out) {
  const Space& space = single_action_space();
  for (size_t i = 0; i < envs_.size(); ++i) {
    if (autoreset_[i]) continue;  // this step only resets it
    bool ok = !envs_[i]->needs_reset() && (direct_.empty() || !direct_[i].cartpole->needs_reset_);
    if (ok && actions.actions)
      ok = discrete_actions_ ? actions.actions[i].discrete && actions.actions[i].index >= disc_lo_ &&
                                   actions.actions[i].index < disc_hi_
                             : contains(space, actions.actions[i]);
    else if (ok)
      ok = actions.indices[i] >= disc_lo_ && actions.indices[i] < disc_hi_;
    if (ok) continue;
    step_one(i, actions.actions ? actions.actions[i] : Action(actions.indices[i]), out);  // throws its error
    throw std::logic_error("VectorEnv::check: sub-env " + std::to_string(i) + " stepped an action it should refuse");
  }
}

void VectorEnv::prepare(VectorStep& out) const {
  const size_t n = envs_.size();
  if (out.observations.size() != n * obs_size_ || out.observations.dimension() == 0)
    out.observations = nets::Tensor::from_shape(batched(n, single_observation_space().shape()));
  out.rewards.resize(n);
  out.terminated.resize(n);
  out.truncated.resize(n);
  out.infos.resize(n);
  for (auto& info : out.infos)
    if (!info.is_null()) info = Info();
}

void ThreadedVectorEnv::step_range(const Actions& actions, VectorStep& out) {
  nets::parallel_for(envs_.size(), [&](size_t b, size_t e, size_t) { step_envs(b, e, actions, out); });
}

nlohmann::json VectorEnv::get_state() const {
  nlohmann::json envs = nlohmann::json::array();
  for (auto& e : envs_) envs.push_back(e->get_state());
  return {{"envs", envs}, {"autoreset", autoreset_}};
}

void VectorEnv::set_state(const nlohmann::json& state) {
  const auto& envs = state.at("envs");
  if (envs.size() != envs_.size())
    throw ValueError("VectorEnv::set_state: the state holds " + std::to_string(envs.size()) +
                     " sub-envs, this vector env has " + std::to_string(envs_.size()));
  for (size_t i = 0; i < envs_.size(); ++i) envs_[i]->set_state(envs[i]);
  autoreset_ = state.at("autoreset").get<std::vector<uint8_t>>();
}

}  // namespace seqrl::env
