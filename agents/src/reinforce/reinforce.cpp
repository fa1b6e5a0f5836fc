// REINFORCE with a baseline: episode bookkeeping per sub-env, returns, and the policy-gradient step.
#include "seqrl/agents/reinforce/reinforce.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "seqrl/agents/registry.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/init.hpp"
#include "seqrl/nets/kernels.hpp"
#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::agents {

namespace {
std::vector<size_t> sizes(size_t in, const std::vector<size_t>& hidden, size_t out) {
  std::vector<size_t> s{in};
  s.insert(s.end(), hidden.begin(), hidden.end());
  s.push_back(out);
  return s;
}
size_t action_dim(const env::Space& a) {
  if (auto* d = dynamic_cast<const env::Discrete*>(&a)) return static_cast<size_t>(d->size);
  return nets::numel(a.shape());
}
}  // namespace

std::unique_ptr<Reinforce> Reinforce::for_spaces(const env::Space& obs, const env::Space& act,
                                                 const ReinforceConfig& cfg) {
  if (dynamic_cast<const env::TokenSequence*>(&obs))
    throw ValueError("REINFORCE's MLP policy needs flat vector observations, got " + obs.str());
  const bool discrete = dynamic_cast<const env::Discrete*>(&act) != nullptr;
  if (!discrete && (!dynamic_cast<const env::Box*>(&act) || act.shape().size() != 1))
    throw ValueError("REINFORCE needs a Discrete or a 1-D Box action space, got " + act.str());
  return std::make_unique<Reinforce>(std::max<size_t>(1, nets::numel(obs.shape())), act, cfg);
}

Reinforce::Reinforce(size_t obs_dim, const env::Space& action_space, const ReinforceConfig& c)
    : cfg(c),
      obs_dim_(obs_dim),
      act_dim_(action_dim(action_space)),
      discrete_(dynamic_cast<const env::Discrete*>(&action_space) != nullptr),
      rng_(c.seed),
      policy_(sizes(obs_dim, c.hidden, action_dim(action_space)), rng_, nets::Activation::kTanh),
      value_(sizes(obs_dim, c.hidden, 1), rng_, nets::Activation::kTanh) {
  if (c.baseline != "value" && c.baseline != "mean" && c.baseline != "none")
    throw ValueError("REINFORCE baseline must be value, mean or none, got '" + c.baseline + "'");
  if (c.episodes_per_update == 0) throw ValueError("REINFORCE: episodes_per_update must be > 0");
  if (!(c.gamma >= 0.f && c.gamma <= 1.f)) throw ValueError("REINFORCE: gamma must be in [0, 1], got " + std::to_string(c.gamma));
  nets::NamedParams params = policy_.named_parameters();
  if (discrete_) {
    num_actions_ = action_space.n();
  } else {
    const auto& box = dynamic_cast<const env::Box&>(action_space);
    act_low_ = box.low;
    act_high_ = box.high;
    log_std_ = nets::Var(nets::init::constant({act_dim_}, c.init_log_std), true);
    params.emplace_back("log_std", log_std_);
  }
  opt_ = std::make_unique<nets::Adam>(params, c.lr);
  value_opt_ = std::make_unique<nets::Adam>(value_.named_parameters(), c.value_lr);
}

nets::Tensor Reinforce::flatten(const nets::Tensor& obs) const {
  const size_t n = obs.shape()[0];
  if (obs.size() != n * obs_dim_)
    throw ShapeError("REINFORCE: observations of shape " + shape_str(obs.shape()) + " are not [N, " +
                     std::to_string(obs_dim_) + "]");
  nets::Tensor f = obs;
  f.reshape({n, obs_dim_});
  return f;
}

std::vector<env::Action> Reinforce::act(const nets::Tensor& obs, bool deterministic) {
  return policy_actions(obs, deterministic, deterministic ? nullptr : &last_raw_);
}

std::vector<env::Action> Reinforce::policy_actions(const nets::Tensor& obs, bool deterministic,
                                                   std::vector<std::vector<float>>* raw_out) {
  const size_t n = obs.shape()[0];
  nets::Tensor out;
  {
    nets::NoGrad ng;
    out = policy_.forward(nets::Var(flatten(obs))).value();
  }
  std::vector<env::Action> actions(n);
  std::vector<float> scratch;
  if (raw_out) raw_out->assign(n, {});
  for (size_t i = 0; i < n; ++i) {
    const float* row = out.data() + i * act_dim_;
    if (discrete_) {
      int64_t a;
      if (deterministic) {
        a = std::max_element(row, row + act_dim_) - row;
      } else {  // inverse CDF on the softmax, the generator's sampler
        const double u = rng_.uniform_double();
        int32_t tok = 0;
        scratch.resize(act_dim_);
        nets::kernels::sample_rows(row, nullptr, 1, act_dim_, 1.f, &u, &tok, scratch.data());
        a = tok;
        if (raw_out) (*raw_out)[i] = {static_cast<float>(a)};
      }
      actions[i] = env::Action(a);
    } else {
      nets::Tensor v = nets::Tensor::from_shape({act_dim_});
      std::vector<float> raw(act_dim_);
      for (size_t j = 0; j < act_dim_; ++j) {
        raw[j] = deterministic ? row[j]
                               : row[j] + std::exp(log_std_.value()(j)) * rng_.normal();
        v(j) = std::clamp(raw[j], act_low_(j), act_high_(j));
      }
      if (raw_out) (*raw_out)[i] = raw;
      actions[i] = env::Action::box(std::move(v));
    }
  }
  return actions;
}

void Reinforce::observe(const Transitions& t) {
  const size_t n = t.rewards.size();
  if (running_.size() != n) running_.assign(n, Episode{});
  if (last_raw_.size() != n)
    throw Error("REINFORCE::observe: call act(obs, deterministic = false) for the same batch first");
  if (cfg.mc_rollouts > 0 &&
      (t.envs.size() != n || std::find(t.envs.begin(), t.envs.end(), nullptr) != t.envs.end()))
    throw Error("REINFORCE with mc_rollouts > 0 needs the sub-envs in Transitions::envs "
                "(the runner fills them)");
  for (size_t i = 0; i < n; ++i) {
    if (!t.valid[i]) continue;
    Episode& e = running_[i];
    e.obs.insert(e.obs.end(), t.obs.data() + i * obs_dim_, t.obs.data() + (i + 1) * obs_dim_);
    e.actions.insert(e.actions.end(), last_raw_[i].begin(), last_raw_[i].end());
    e.rewards.push_back(t.rewards[i]);
    if (cfg.mc_rollouts > 0) {
      const bool ended = t.terminated[i] || t.truncated[i];
      const double future = ended ? 0.0 : rollout_value(*t.envs[i], t.next_obs.data() + i * obs_dim_);
      e.q.push_back(t.rewards[i] + cfg.gamma * future);
    }
    if (t.terminated[i] || t.truncated[i]) {
      finished_.push_back(std::move(e));
      e = Episode{};
    }
  }
}

double Reinforce::rollout_value(const env::Env& env, const float* obs) {
  // The N rollouts step together so that the policy runs one batched forward per step.
  const size_t N = cfg.mc_rollouts;
  std::vector<std::unique_ptr<env::Env>> sims(N);
  for (auto& c : sims) c = env.clone();
  std::vector<size_t> live(N);  // rollouts still running, as indices into sims
  for (size_t k = 0; k < N; ++k) live[k] = k;
  nets::Tensor batch = nets::Tensor::from_shape({N, obs_dim_});
  for (size_t k = 0; k < N; ++k) std::memcpy(batch.data() + k * obs_dim_, obs, obs_dim_ * sizeof(float));
  double total = 0, discount = 1;
  for (size_t step = 0; !live.empty() && (cfg.mc_horizon == 0 || step < cfg.mc_horizon); ++step) {
    const std::vector<env::Action> acts = policy_actions(batch, false, nullptr);
    std::vector<size_t> still;
    nets::Tensor next = nets::Tensor::from_shape({live.size(), obs_dim_});
    for (size_t j = 0; j < live.size(); ++j) {
      env::StepResult r = sims[live[j]]->step(acts[j]);
      total += discount * r.reward;
      if (r.terminated || r.truncated) continue;
      std::memcpy(next.data() + still.size() * obs_dim_, r.observation.data(), obs_dim_ * sizeof(float));
      still.push_back(live[j]);
    }
    discount *= cfg.gamma;
    live = std::move(still);
    batch = nets::row_slice(next, 0, live.size());
  }
  return total / double(N);
}

Metrics Reinforce::update() {
  if (finished_.size() < cfg.episodes_per_update) return {};
  size_t M = 0;
  for (auto& e : finished_) M += e.rewards.size();
  nets::Tensor obs = nets::Tensor::from_shape({M, obs_dim_});
  nets::Tensor returns = nets::Tensor::from_shape({M});
  const size_t adim = discrete_ ? 1 : act_dim_;
  std::vector<float> acts(M * adim);
  size_t row = 0;
  double mean_return = 0;
  for (auto& e : finished_) {
    const size_t T = e.rewards.size();
    std::memcpy(obs.data() + row * obs_dim_, e.obs.data(), T * obs_dim_ * sizeof(float));
    std::memcpy(acts.data() + row * adim, e.actions.data(), T * adim * sizeof(float));
    double G = 0;
    for (size_t k = T; k-- > 0;) {
      G = e.rewards[k] + cfg.gamma * G;
      returns(row + k) = static_cast<float>(cfg.mc_rollouts > 0 ? e.q[k] : G);
    }
    double ep = 0;
    for (double r : e.rewards) ep += r;
    mean_return += ep / finished_.size();
    row += T;
  }
  // advantages
  nets::Tensor adv = returns;
  if (cfg.baseline == "value") {
    nets::NoGrad ng;
    nets::Tensor v = value_.forward(nets::Var(obs)).value();
    for (size_t k = 0; k < M; ++k) adv(k) -= v.data()[k];
  } else if (cfg.baseline == "mean") {
    double m = 0;
    for (float g : returns) m += g / M;
    for (auto& a : adv) a -= static_cast<float>(m);
  }
  if (cfg.normalize_advantages && M > 1) {
    double m = 0, s = 0;
    for (float a : adv) m += a / double(M);
    for (float a : adv) s += (a - m) * (a - m) / double(M);
    const double sd = std::sqrt(s) + 1e-8;
    for (auto& a : adv) a = static_cast<float>((a - m) / sd);
  }
  // policy step, data-parallel under MPI (each rank the gradient of its rows of the batch; every
  // rank played the same episodes). The figures are the global batch's: each rank's share of them
  // summed over the ranks.
  double fig[2] = {0, 0};  // policy loss, entropy
  opt_->zero_grad();
  nets::data_parallel_backward(M, opt_->params(), [&](size_t b, size_t e) {
    const size_t n = e - b;
    const bool whole = n == M;
    nets::Var out = policy_.forward(nets::Var(whole ? obs : nets::row_slice(obs, b, e)));
    nets::Var logp, entropy;
    if (discrete_) {
      nets::IntTensor a = nets::IntTensor::from_shape({n});
      for (size_t k = 0; k < n; ++k) a(k) = static_cast<int32_t>(acts[b + k]);
      nets::Var lsm = nets::log_softmax(out);
      logp = nets::gather(lsm, a);
      entropy = nets::neg(nets::mean(nets::sum(nets::mul(nets::exp(lsm), lsm), {1})));
    } else {
      nets::Tensor at = nets::Tensor::from_shape({n, act_dim_});
      std::copy(acts.begin() + long(b * act_dim_), acts.begin() + long(e * act_dim_), at.begin());
      nets::Var z = nets::div(nets::sub(nets::Var(at), out), nets::exp(log_std_));
      // log N(a | mu, sigma) summed over action dimensions
      nets::Var per = nets::sub(nets::scale(nets::square(z), -0.5f), log_std_);
      logp = nets::add_scalar(nets::sum(per, {1}), -0.5f * std::log(2.f * float(M_PI)) * act_dim_);
      entropy = nets::add_scalar(nets::sum(log_std_),
                                 0.5f * std::log(2.f * float(M_PI) * float(M_E)) * act_dim_);
    }
    nets::Var pg = nets::neg(nets::mean(nets::mul(logp, nets::Var(whole ? adv : nets::row_slice(adv, b, e)))));
    const double share = double(n) / double(M);
    fig[0] = pg.item() * share, fig[1] = entropy.item() * share;
    return cfg.entropy_coef != 0.f ? nets::sub(pg, nets::scale(entropy, cfg.entropy_coef)) : pg;
  });
  if (nets::dist::size() > 1) nets::dist::allreduce_sum(fig, 2);
  if (cfg.max_grad_norm > 0.f) nets::clip_grad_norm(opt_->params(), cfg.max_grad_norm);
  opt_->step();
  Metrics m{{"policy_loss", fig[0]}, {"entropy", fig[1]},
            {"train_return", mean_return}, {"batch_steps", double(M)}};
  // value regression on the returns (data-parallel the same way)
  if (cfg.baseline == "value") {
    nets::Tensor target = returns;
    target.reshape({M, 1});
    double vl = 0;
    for (int ep = 0; ep < cfg.value_epochs; ++ep) {
      value_opt_->zero_grad();
      vl = nets::data_parallel_backward(M, value_opt_->params(), [&](size_t b, size_t e) {
        if (e - b == M) return nets::mse(value_.forward(nets::Var(obs)), target);
        return nets::mse(value_.forward(nets::Var(nets::row_slice(obs, b, e))), nets::row_slice(target, b, e));
      });
      value_opt_->step();
    }
    m.emplace_back("value_loss", vl);
  }
  finished_.clear();
  ++updates_;
  return m;
}

namespace {
// Episodes in progress and finished ones not yet trained on, as JSON (floats and doubles
// round-trip exactly), so that a resumed run trains on the same batches.
nlohmann::json episodes_json(const std::vector<Reinforce::Episode>& eps) {
  nlohmann::json a = nlohmann::json::array();
  for (auto& e : eps)
    a.push_back({{"obs", e.obs}, {"actions", e.actions}, {"rewards", e.rewards}, {"q", e.q}});
  return a;
}
std::vector<Reinforce::Episode> episodes_from(const nlohmann::json& a) {
  std::vector<Reinforce::Episode> eps;
  for (auto& j : a) {
    Reinforce::Episode e;
    e.obs = j.at("obs").get<std::vector<float>>();
    e.actions = j.at("actions").get<std::vector<float>>();
    e.rewards = j.at("rewards").get<std::vector<double>>();
    e.q = j.at("q").get<std::vector<double>>();
    eps.push_back(std::move(e));
  }
  return eps;
}
}  // namespace

void Reinforce::save_state(nets::SafeTensors& out) const {
  auto& t = out.tensors;
  nets::add_module_state(policy_, "policy.", t);
  nets::add_module_state(value_, "value.", t);
  if (!discrete_) t["log_std"] = log_std_.value();
  auto& meta = out.metadata;
  meta["agent"] = "reinforce";
  meta["config"] = nlohmann::json(cfg).dump();
  meta["updates"] = std::to_string(updates_);
  meta["rng"] = rng_.state();
  meta["episodes"] = nlohmann::json{{"running", episodes_json(running_)},
                                    {"finished", episodes_json(finished_)}}.dump();
  nets::add_optimizer_state(*opt_, "optim.", t, meta);
  nets::add_optimizer_state(*value_opt_, "value_optim.", t, meta);
}

void Reinforce::load_state(const nets::SafeTensors& st, const std::string& path) {
  auto meta = [&](const std::string& k) -> const std::string& {
    return nets::required_metadata(st, k, path);
  };
  if (meta("agent") != "reinforce")
    throw CheckpointError("checkpoint '" + path + "' holds a '" + meta("agent") + "' agent, not reinforce");
  const auto p = nets::tensors_with_prefix(st, "policy."), v = nets::tensors_with_prefix(st, "value.");
  const nets::OptimizerState os = nets::optimizer_state_with_prefix(st, "optim."),
                             vs = nets::optimizer_state_with_prefix(st, "value_optim.");
  try {
    policy_.load_state(p);
    value_.load_state(v);
    if (!discrete_) {
      auto it = st.tensors.find("log_std");
      if (it == st.tensors.end() || it->second.shape() != log_std_.value().shape())
        throw CheckpointError("'log_std' is missing or mis-shaped");
      log_std_.value() = it->second;
    }
    opt_->load_state(os);
    value_opt_->load_state(vs);
  } catch (const Error& e) {
    throw CheckpointError("REINFORCE checkpoint '" + path + "': " + e.what());
  }
  updates_ = std::stol(meta("updates"));
  rng_.set_state(meta("rng"));
  // checkpoints of trained agents (seqrl eval) may leave the episodes out
  running_.clear();
  finished_.clear();
  if (auto it = st.metadata.find("episodes"); it != st.metadata.end()) {
    try {
      const auto j = nlohmann::json::parse(it->second);
      running_ = episodes_from(j.at("running"));
      finished_ = episodes_from(j.at("finished"));
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError("REINFORCE checkpoint '" + path + "': metadata 'episodes': " + e.what());
    }
  }
}

AgentSpec reinforce_agent_spec() {
  AgentSpec s;
  s.kind = "reinforce";
  s.name = "reinforce";
  s.data_parallel = "the policy and value networks (each rank its rows of the update's steps)";
  s.summary = "REINFORCE (Williams 1992): an MLP policy (categorical or Gaussian), value or mean baseline";
  s.spaces = "flat vector observations, Discrete or 1-D Box actions";
  s.supports = [](const env::Space& o, const env::Space& a) {
    if (dynamic_cast<const env::TokenSequence*>(&o)) return false;
    return dynamic_cast<const env::Discrete*>(&a) != nullptr ||
           (dynamic_cast<const env::Box*>(&a) != nullptr && a.shape().size() == 1);
  };
  s.defaults = [](const std::string& env_id, const std::string&) {
    ReinforceConfig c;  // MLP 64-64 tanh, Adam 1e-3, learned value baseline, 8 episodes
    if (env_id == "Pendulum-v1") {
      // a short horizon (gamma 0.9) is what makes plain REINFORCE work on Pendulum's dense costs
      c.gamma = 0.9f;
      c.episodes_per_update = 8;
      c.lr = 1e-3f;
    }
    return nlohmann::json(c);
  };
  s.run_defaults = [](RunConfig& r, const std::string& env_id, const std::string&) {
    // REINFORCE needs more samples than DQN (its tuned CartPole runs use 300k steps)
    r.total_steps = env_id == "Pendulum-v1" ? 1000000 : 300000;
    r.eval_every = 20000;
    one_hot_discrete_observations(r);
  };
  s.options = {{"hidden", "/hidden", "policy and value hidden sizes, comma-separated"},
               {"lr", "/lr", "policy Adam learning rate"},
               {"gamma", "/gamma", "discount"},
               {"baseline", "/baseline", "value, mean or none"},
               {"value-lr", "/value_lr", "value network learning rate"},
               {"value-epochs", "/value_epochs", "value regression passes per update"},
               {"entropy-coef", "/entropy_coef", "entropy bonus weight"},
               {"episodes-per-update", "/episodes_per_update", "finished episodes per gradient step"},
               {"normalize-advantages", "/normalize_advantages", "normalise advantages per batch (0/1)"},
               {"max-grad-norm", "/max_grad_norm", "gradient clip (0 = off)"},
               {"init-log-std", "/init_log_std", "Gaussian policy: initial log std"},
               {"mc-rollouts", "/mc_rollouts", "returns from N Monte-Carlo rollouts on env clones per step (0 = episode returns)"},
               {"mc-horizon", "/mc_horizon", "rollout length (0 = to the end of the episode)"}};
  s.bind = [](nlohmann::json& c, const AgentContext& x) { c["seed"] = x.seed; };
  s.make = [](const env::Space& o, const env::Space& a, const nlohmann::json& c, bool) -> std::unique_ptr<Agent> {
    return Reinforce::for_spaces(o, a, c.get<ReinforceConfig>());
  };
  return s;
}

}  // namespace seqrl::agents
