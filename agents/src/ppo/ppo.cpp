// PPO and A2C: the rollout, GAE, the clipped surrogate and the updates. See ppo.hpp.
#include "seqrl/agents/ppo/ppo.hpp"

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

std::vector<double> gae(const std::vector<double>& rewards, const std::vector<double>& values,
                        const std::vector<double>& next_values, const std::vector<uint8_t>& terminated,
                        const std::vector<uint8_t>& ended, double gamma, double lambda) {
  const size_t T = rewards.size();
  if (values.size() != T || next_values.size() != T || terminated.size() != T || ended.size() != T)
    throw ShapeError("gae: rewards, values, next_values, terminated and ended differ in length");
  std::vector<double> adv(T);
  double carry = 0;
  for (size_t t = T; t-- > 0;) {
    const double next = terminated[t] ? 0.0 : next_values[t];
    const double delta = rewards[t] + gamma * next - values[t];
    carry = delta + (ended[t] ? 0.0 : gamma * lambda * carry);
    adv[t] = carry;
  }
  return adv;
}

void RunningMeanStd::update(const float* x, size_t n, size_t dim) {
  if (n == 0) return;
  if (mean.size() != dim) mean.assign(dim, 0.0), var.assign(dim, 1.0);
  for (size_t j = 0; j < dim; ++j) {
    double m = 0, v = 0;
    for (size_t i = 0; i < n; ++i) m += x[i * dim + j];
    m /= double(n);
    for (size_t i = 0; i < n; ++i) v += (x[i * dim + j] - m) * (x[i * dim + j] - m);
    v /= double(n);
    const double delta = m - mean[j], total = count + double(n);
    mean[j] += delta * double(n) / total;
    var[j] = (var[j] * count + v * double(n) + delta * delta * count * double(n) / total) / total;
  }
  count += double(n);
}

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
// SB3's orthogonal initialisation: hidden layers gain sqrt(2), the output layer `out_gain`, biases 0
void ortho(nets::MLP& m, float out_gain, nets::Rng& rng) {
  for (size_t k = 0; k < m.layers.size(); ++k) {
    nets::Linear& l = *m.layers[k];
    l.weight.value() = nets::init::orthogonal({l.in_features, l.out_features}, rng,
                                              k + 1 == m.layers.size() ? out_gain : std::sqrt(2.f));
    if (l.bias.defined()) l.bias.value() = nets::init::zeros({l.out_features});
  }
}
constexpr double kLog2Pi = 1.8378770664093453;  // log(2 pi)
}  // namespace

nets::Var PPO::clipped_surrogate(const nets::Var& logp, const nets::Tensor& old_logp, const nets::Tensor& adv,
                                 float eps, double* clipped) {
  const size_t n = old_logp.size();
  nets::Var r = nets::exp(nets::sub(logp, nets::Var(old_logp)));
  const nets::Tensor& rv = r.value();
  // min(r A, clip(r) A): where the unclipped term is the smaller (or equal) one the gradient is
  // A dr; elsewhere the clipped term is constant in r (r is outside [1 - eps, 1 + eps]), no gradient
  nets::Tensor w = nets::Tensor::from_shape({n});
  double constant = 0, nclip = 0;
  for (size_t i = 0; i < n; ++i) {
    const double a = adv.data()[i], ri = rv.data()[i];
    const double rc = std::clamp(ri, 1.0 - eps, 1.0 + eps);
    const bool unclipped = ri * a <= rc * a;
    w.data()[i] = unclipped ? float(a) : 0.f;
    if (!unclipped) constant += rc * a;
    nclip += std::abs(ri - 1.0) > eps;
  }
  if (clipped) *clipped = nclip / double(n);
  return nets::add_scalar(nets::neg(nets::mean(nets::mul(r, nets::Var(w)))), float(-constant / double(n)));
}

std::unique_ptr<PPO> PPO::for_spaces(const env::Space& obs, const env::Space& act, const PPOConfig& cfg) {
  if (dynamic_cast<const env::TokenSequence*>(&obs))
    throw ValueError(cfg.algo + "'s MLP policy needs flat vector observations, got " + obs.str());
  const bool discrete = dynamic_cast<const env::Discrete*>(&act) != nullptr;
  if (!discrete && (!dynamic_cast<const env::Box*>(&act) || act.shape().size() != 1))
    throw ValueError(cfg.algo + " needs a Discrete or a 1-D Box action space, got " + act.str());
  return std::make_unique<PPO>(std::max<size_t>(1, nets::numel(obs.shape())), act, cfg);
}

PPO::PPO(size_t obs_dim, const env::Space& action_space, const PPOConfig& c)
    : cfg(c),
      obs_dim_(obs_dim),
      act_dim_(action_dim(action_space)),
      discrete_(dynamic_cast<const env::Discrete*>(&action_space) != nullptr),
      rng_(c.seed),
      policy_(sizes(obs_dim, c.hidden, action_dim(action_space)), rng_, nets::Activation::kTanh),
      value_(sizes(obs_dim, c.hidden, 1), rng_, nets::Activation::kTanh) {
  const std::string who = c.algo + ": ";
  if (c.algo != "ppo" && c.algo != "a2c") throw ValueError("algo must be ppo or a2c, got '" + c.algo + "'");
  if (c.n_steps == 0) throw ValueError(who + "n_steps must be > 0");
  if (c.algo == "ppo" && (c.batch_size == 0 || c.n_epochs == 0)) throw ValueError(who + "batch_size and n_epochs must be > 0");
  if (!(c.gamma >= 0.f && c.gamma <= 1.f)) throw ValueError(who + "gamma must be in [0, 1], got " + std::to_string(c.gamma));
  if (!(c.gae_lambda >= 0.f && c.gae_lambda <= 1.f))
    throw ValueError(who + "gae_lambda must be in [0, 1], got " + std::to_string(c.gae_lambda));
  if (!(c.clip_range > 0.f)) throw ValueError(who + "clip_range must be > 0, got " + std::to_string(c.clip_range));
  if (c.ortho_init) {
    ortho(policy_, 0.01f, rng_);
    ortho(value_, 1.f, rng_);
  }
  nets::NamedParams params;
  for (auto& [n, v] : policy_.named_parameters()) params.emplace_back("policy." + n, v);
  for (auto& [n, v] : value_.named_parameters()) params.emplace_back("value." + n, v);
  if (!discrete_) {
    const auto& box = dynamic_cast<const env::Box&>(action_space);
    act_low_ = box.low;
    act_high_ = box.high;
    log_std_ = nets::Var(nets::init::constant({act_dim_}, c.init_log_std), true);
    params.emplace_back("log_std", log_std_);
  }
  if (c.algo == "a2c")
    opt_ = std::make_unique<nets::RMSProp>(params, c.lr, c.rmsprop_alpha, c.optim_eps);
  else
    opt_ = std::make_unique<nets::Adam>(params, c.lr, 0.9f, 0.999f, c.optim_eps);
}

nets::Tensor PPO::prepare(const nets::Tensor& obs, bool update_stats) {
  const size_t n = obs.shape()[0];
  if (obs.size() != n * obs_dim_)
    throw ShapeError(cfg.algo + ": observations of shape " + shape_str(obs.shape()) + " are not [N, " +
                     std::to_string(obs_dim_) + "]");
  nets::Tensor f = obs;
  f.reshape({n, obs_dim_});
  if (!cfg.normalize) return f;
  if (update_stats) obs_rms_.update(f.data(), n, obs_dim_);
  if (obs_rms_.mean.size() != obs_dim_) return f;  // no statistics yet (evaluation before training)
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < obs_dim_; ++j) {
      float& x = f.data()[i * obs_dim_ + j];
      x = float(std::clamp((double(x) - obs_rms_.mean[j]) / std::sqrt(obs_rms_.var[j] + 1e-8), -10.0, 10.0));
    }
  return f;
}

std::vector<env::Action> PPO::act(const nets::Tensor& obs, bool deterministic) {
  const nets::Tensor x = prepare(obs, !deterministic);
  const size_t n = x.shape()[0];
  const nets::Tensor out = policy_.infer(x);
  std::vector<env::Action> actions(n);
  const size_t adim = discrete_ ? 1 : act_dim_;
  if (!deterministic) {
    pending_obs_.assign(x.begin(), x.end());
    pending_act_.assign(n * adim, 0.f);
    pending_logp_.assign(n, 0.f);
    const nets::Tensor v = value_.infer(x);
    pending_value_.assign(v.begin(), v.end());
  }
  std::vector<float> scratch(act_dim_);
  for (size_t i = 0; i < n; ++i) {
    const float* row = out.data() + i * act_dim_;
    if (discrete_) {
      int64_t a;
      if (deterministic) {
        a = std::max_element(row, row + act_dim_) - row;
      } else {
        const double u = rng_.uniform_double();
        int32_t tok = 0;
        nets::kernels::sample_rows(row, nullptr, 1, act_dim_, 1.f, &u, &tok, scratch.data());
        a = tok;
        // log softmax at a
        const float m = *std::max_element(row, row + act_dim_);
        double z = 0;
        for (size_t j = 0; j < act_dim_; ++j) z += std::exp(double(row[j] - m));
        pending_act_[i] = float(a);
        pending_logp_[i] = float(double(row[a] - m) - std::log(z));
      }
      actions[i] = env::Action(a);
    } else {
      nets::Tensor v = nets::Tensor::from_shape({act_dim_});
      double lp = 0;
      for (size_t j = 0; j < act_dim_; ++j) {
        const float ls = log_std_.value()(j);
        const float raw = deterministic ? row[j] : row[j] + std::exp(ls) * rng_.normal();
        v(j) = std::clamp(raw, act_low_(j), act_high_(j));
        if (!deterministic) {
          pending_act_[i * adim + j] = raw;
          const double zz = (double(raw) - row[j]) / std::exp(double(ls));
          lp += -0.5 * zz * zz - ls - 0.5 * kLog2Pi;
        }
      }
      if (!deterministic) pending_logp_[i] = float(lp);
      actions[i] = env::Action::box(std::move(v));
    }
  }
  return actions;
}

void PPO::observe(const Transitions& t) {
  const size_t n = t.rewards.size();
  if (pending_value_.size() != n)
    throw Error(cfg.algo + "::observe: call act(obs, deterministic = false) for the same batch first");
  if (ret_acc_.size() != n) ret_acc_.assign(n, 0.0), ep_return_.assign(n, 0.0);
  Step s;
  s.obs = std::move(pending_obs_);
  s.act = std::move(pending_act_);
  s.logp = std::move(pending_logp_);
  s.value = std::move(pending_value_);
  pending_value_.clear();
  s.reward.assign(n, 0.f);
  s.next_value.assign(n, 0.f);
  s.terminated.assign(t.terminated.begin(), t.terminated.end());
  s.truncated.assign(t.truncated.begin(), t.truncated.end());
  s.valid.assign(t.valid.begin(), t.valid.end());
  // VecNormalize's reward scaling: the running std of the discounted return
  std::vector<float> rets;
  for (size_t i = 0; i < n; ++i) {
    if (!t.valid[i]) continue;
    ep_return_[i] += t.rewards[i];
    if (cfg.normalize) {
      ret_acc_[i] = ret_acc_[i] * cfg.gamma + t.rewards[i];
      rets.push_back(float(ret_acc_[i]));
    }
  }
  if (cfg.normalize) ret_rms_.update(rets.data(), rets.size(), 1);
  std::vector<size_t> cut;  // truncated rows: their final observation's value
  for (size_t i = 0; i < n; ++i) {
    if (!t.valid[i]) continue;
    double r = t.rewards[i];
    if (cfg.normalize && !ret_rms_.var.empty()) r = std::clamp(r / std::sqrt(ret_rms_.var[0] + 1e-8), -10.0, 10.0);
    s.reward[i] = float(r);
    if (t.terminated[i] || t.truncated[i]) {
      ended_returns_.push_back(ep_return_[i]);
      ep_return_[i] = 0;
      ret_acc_[i] = 0;
      if (t.truncated[i] && !t.terminated[i]) cut.push_back(i);
    }
  }
  if (!cut.empty()) {
    nets::Tensor fin = nets::Tensor::from_shape({cut.size(), obs_dim_});
    for (size_t k = 0; k < cut.size(); ++k)
      std::memcpy(fin.data() + k * obs_dim_, t.next_obs.data() + cut[k] * obs_dim_, obs_dim_ * sizeof(float));
    const nets::Tensor v = value_.infer(prepare(fin, false));
    for (size_t k = 0; k < cut.size(); ++k) s.next_value[cut[k]] = v.data()[k];
  }
  // the value after the rollout's last step, for sub-envs whose episode goes on: kept as raw
  // observations and valued at the update (the statistics then are the ones the next act uses)
  last_next_obs_.assign(t.next_obs.data(), t.next_obs.data() + n * obs_dim_);
  rollout_.push_back(std::move(s));
  env_steps_ += long(n);
}

float PPO::progress_left() const {
  if (cfg.total_steps <= 0) return 1.f;
  return float(std::max(0.0, 1.0 - double(env_steps_) / double(cfg.total_steps)));
}

void PPO::log_prob(const nets::Tensor& obs, const std::vector<float>& acts, size_t b, size_t e, nets::Var& logp,
                   nets::Var& entropy) const {
  const size_t n = e - b;
  const nets::Var out = policy_.forward(nets::Var(nets::row_slice(obs, b, e)));
  if (discrete_) {
    nets::IntTensor a = nets::IntTensor::from_shape({n});
    for (size_t k = 0; k < n; ++k) a(k) = static_cast<int32_t>(acts[b + k]);
    const nets::Var lsm = nets::log_softmax(out);
    logp = nets::gather(lsm, a);
    entropy = nets::neg(nets::mean(nets::sum(nets::mul(nets::exp(lsm), lsm), {1})));
  } else {
    nets::Tensor at = nets::Tensor::from_shape({n, act_dim_});
    std::copy(acts.begin() + long(b * act_dim_), acts.begin() + long(e * act_dim_), at.begin());
    const nets::Var z = nets::div(nets::sub(nets::Var(at), out), nets::exp(log_std_));
    const nets::Var per = nets::sub(nets::scale(nets::square(z), -0.5f), log_std_);
    logp = nets::add_scalar(nets::sum(per, {1}), float(-0.5 * kLog2Pi * double(act_dim_)));
    entropy = nets::add_scalar(nets::sum(log_std_), float(0.5 * (kLog2Pi + 1.0) * double(act_dim_)));
  }
}

Metrics PPO::update() {
  if (rollout_.size() < cfg.n_steps) return {};
  const size_t N = rollout_.front().valid.size(), S = rollout_.size(), adim = discrete_ ? 1 : act_dim_;
  // values after the rollout's last step
  const nets::Tensor last_v = [&] {
    nets::Tensor raw = nets::Tensor::from_shape({N, obs_dim_});
    std::copy(last_next_obs_.begin(), last_next_obs_.end(), raw.begin());
    return value_.infer(prepare(raw, false));
  }();
  // GAE per sub-env, over its valid steps in time order
  std::vector<float> obs, acts, old_logp, old_v, adv, ret;
  for (size_t i = 0; i < N; ++i) {
    std::vector<size_t> steps;
    for (size_t k = 0; k < S; ++k)
      if (rollout_[k].valid[i]) steps.push_back(k);
    std::vector<double> r, v, nv;
    std::vector<uint8_t> term, ended;
    for (size_t j = 0; j < steps.size(); ++j) {
      const Step& s = rollout_[steps[j]];
      const bool end = s.terminated[i] || s.truncated[i];
      r.push_back(s.reward[i]);
      v.push_back(s.value[i]);
      term.push_back(s.terminated[i]);
      ended.push_back(end);
      // an episode that goes on continues at the next vector step (no reset row in between)
      nv.push_back(end ? s.next_value[i] : steps[j] + 1 < S ? rollout_[steps[j] + 1].value[i] : last_v.data()[i]);
    }
    const std::vector<double> a = gae(r, v, nv, term, ended, cfg.gamma, cfg.gae_lambda);
    for (size_t j = 0; j < steps.size(); ++j) {
      const Step& s = rollout_[steps[j]];
      obs.insert(obs.end(), s.obs.begin() + long(i * obs_dim_), s.obs.begin() + long((i + 1) * obs_dim_));
      acts.insert(acts.end(), s.act.begin() + long(i * adim), s.act.begin() + long((i + 1) * adim));
      old_logp.push_back(s.logp[i]);
      old_v.push_back(s.value[i]);
      adv.push_back(float(a[j]));
      ret.push_back(float(a[j] + v[j]));
    }
  }
  const size_t M = old_logp.size();
  Metrics m;
  if (M == 0) {
    rollout_.clear();
    return m;
  }
  nets::Tensor O = nets::Tensor::from_shape({M, obs_dim_});
  std::copy(obs.begin(), obs.end(), O.begin());
  // explained variance of the rollout's values
  double rm = 0, rv = 0, dm = 0, dv = 0;
  for (size_t k = 0; k < M; ++k) rm += ret[k] / double(M), dm += (ret[k] - old_v[k]) / double(M);
  for (size_t k = 0; k < M; ++k)
    rv += (ret[k] - rm) * (ret[k] - rm) / double(M), dv += (ret[k] - old_v[k] - dm) * (ret[k] - old_v[k] - dm) / double(M);
  const double explained = rv > 0 ? 1.0 - dv / rv : 0.0;

  const float left = progress_left();
  const float lr = cfg.anneal_lr ? cfg.lr * left : cfg.lr;
  const float clip = cfg.anneal_clip ? cfg.clip_range * left : cfg.clip_range;
  opt_->set_lr(lr);
  const bool a2c = cfg.algo == "a2c";
  const size_t epochs = a2c ? 1 : cfg.n_epochs, B = a2c ? M : std::min(cfg.batch_size, M);
  // figures: sums over minibatches of policy loss, value loss, entropy, approx_kl, clipfrac
  double fig_sum[5] = {0, 0, 0, 0, 0};
  size_t minibatches = 0;
  for (size_t ep = 0; ep < epochs; ++ep) {
    std::vector<size_t> order(M);
    for (size_t k = 0; k < M; ++k) order[k] = k;
    if (!a2c)
      for (size_t k = M; k > 1; --k) std::swap(order[k - 1], order[rng_.randint(k)]);  // Fisher-Yates
    for (size_t start = 0; start < M; start += B) {
      const size_t n = std::min(B, M - start);
      // the minibatch's rows, gathered
      nets::Tensor mo = nets::Tensor::from_shape({n, obs_dim_});
      std::vector<float> ma(n * adim);
      nets::Tensor mlp = nets::Tensor::from_shape({n}), madv = nets::Tensor::from_shape({n}),
                   mret = nets::Tensor::from_shape({n, 1}), mv = nets::Tensor::from_shape({n, 1});
      for (size_t k = 0; k < n; ++k) {
        const size_t row = order[start + k];
        std::memcpy(mo.data() + k * obs_dim_, O.data() + row * obs_dim_, obs_dim_ * sizeof(float));
        std::memcpy(ma.data() + k * adim, acts.data() + row * adim, adim * sizeof(float));
        mlp(k) = old_logp[row], madv(k) = adv[row], mret(k, 0) = ret[row], mv(k, 0) = old_v[row];
      }
      if (cfg.normalize_advantage && n > 1) {
        double mean = 0, var = 0;
        for (float a : madv) mean += a / double(n);
        for (float a : madv) var += (a - mean) * (a - mean) / double(n - 1);  // torch's std: unbiased
        const double sd = std::sqrt(var) + 1e-8;
        for (auto& a : madv) a = float((a - mean) / sd);
      }
      double fig[5] = {0, 0, 0, 0, 0};  // this rank's shares
      opt_->zero_grad();
      nets::data_parallel_backward(n, opt_->params(), [&](size_t b, size_t e) {
        const size_t k = e - b;
        nets::Var logp, entropy;
        log_prob(mo, ma, b, e, logp, entropy);
        const nets::Tensor old = nets::row_slice(mlp, b, e), A = nets::row_slice(madv, b, e);
        nets::Var pg;
        double clipped = 0;
        if (a2c) {
          pg = nets::neg(nets::mean(nets::mul(logp, nets::Var(A))));
        } else {
          pg = clipped_surrogate(logp, old, A, clip, &clipped);
        }
        // value loss 0.5 (V - R)^2, or CleanRL's clipped max form
        const nets::Var v = value_.forward(nets::Var(nets::row_slice(mo, b, e)));
        const nets::Tensor R = nets::row_slice(mret, b, e), V0 = nets::row_slice(mv, b, e);
        nets::Var vl;
        if (cfg.clip_range_vf > 0.f) {
          nets::Tensor mask = nets::Tensor::from_shape({k, 1});
          double constant = 0;
          for (size_t q = 0; q < k; ++q) {
            const double vq = v.value().data()[q], r0 = R.data()[q], o = V0.data()[q];
            const double vc = o + std::clamp(vq - o, double(-cfg.clip_range_vf), double(cfg.clip_range_vf));
            const bool plain = (vq - r0) * (vq - r0) >= (vc - r0) * (vc - r0) || std::abs(vq - o) <= cfg.clip_range_vf;
            mask.data()[q] = plain ? 1.f : 0.f;
            if (!plain) constant += (vc - r0) * (vc - r0);
          }
          vl = nets::add_scalar(nets::scale(nets::mean(nets::mul(nets::square(nets::sub(v, nets::Var(R))), nets::Var(mask))), 0.5f),
                                float(0.5 * constant / double(k)));
        } else {
          vl = nets::scale(nets::mean(nets::square(nets::sub(v, nets::Var(R)))), 0.5f);
        }
        // approx_kl: mean((r - 1) - log r) with log r = logp - old
        double kl = 0;
        for (size_t q = 0; q < k; ++q) {
          const double lr_ = double(logp.value().data()[q]) - old.data()[q];
          kl += (std::exp(lr_) - 1.0) - lr_;
        }
        const double share = double(k) / double(n);
        fig[0] = pg.item() * share, fig[1] = vl.item() * share, fig[2] = entropy.item() * share;
        fig[3] = kl / double(k) * share, fig[4] = clipped * share;
        nets::Var loss = nets::add(pg, nets::scale(vl, cfg.vf_coef));
        if (cfg.ent_coef != 0.f) loss = nets::sub(loss, nets::scale(entropy, cfg.ent_coef));
        return loss;
      });
      if (nets::dist::size() > 1) nets::dist::allreduce_sum(fig, 5);
      if (cfg.max_grad_norm > 0.f) nets::clip_grad_norm(opt_->params(), cfg.max_grad_norm);
      opt_->step();
      for (int q = 0; q < 5; ++q) fig_sum[q] += fig[q];
      ++minibatches;
    }
  }
  double mean_return = 0;
  for (double r : ended_returns_) mean_return += r / double(ended_returns_.size());
  m = {{"policy_loss", fig_sum[0] / double(minibatches)},
       {"value_loss", fig_sum[1] / double(minibatches)},
       {"entropy", fig_sum[2] / double(minibatches)},
       {"approx_kl", fig_sum[3] / double(minibatches)},
       {"clipfrac", fig_sum[4] / double(minibatches)},
       {"explained_variance", explained},
       {"lr", lr},
       {"batch_steps", double(M)}};
  if (!a2c) m.emplace_back("clip_range", clip);
  if (!discrete_) m.emplace_back("std", std::exp(double(log_std_.value()(0))));
  if (!ended_returns_.empty()) m.emplace_back("train_return", mean_return);
  rollout_.clear();
  ended_returns_.clear();
  ++updates_;
  return m;
}

namespace {
nlohmann::json rms_json(const RunningMeanStd& r) { return {{"mean", r.mean}, {"var", r.var}, {"count", r.count}}; }
RunningMeanStd rms_from(const nlohmann::json& j) {
  RunningMeanStd r;
  r.mean = j.at("mean").get<std::vector<double>>();
  r.var = j.at("var").get<std::vector<double>>();
  r.count = j.at("count").get<double>();
  return r;
}
}  // namespace

void PPO::save_state(nets::SafeTensors& out) const {
  auto& t = out.tensors;
  nets::add_module_state(policy_, "policy.", t);
  nets::add_module_state(value_, "value.", t);
  if (!discrete_) t["log_std"] = log_std_.value();
  auto& meta = out.metadata;
  meta["agent"] = cfg.algo;
  meta["config"] = nlohmann::json(cfg).dump();
  meta["updates"] = std::to_string(updates_);
  meta["env_steps"] = std::to_string(env_steps_);
  meta["rng"] = rng_.state();
  // the rollout in progress and the running statistics (floats and doubles round-trip in JSON),
  // so that a run resumed mid-rollout continues exactly
  nlohmann::json steps = nlohmann::json::array();
  for (const Step& s : rollout_)
    steps.push_back({{"obs", s.obs}, {"act", s.act}, {"logp", s.logp}, {"value", s.value}, {"reward", s.reward},
                     {"next_value", s.next_value}, {"terminated", s.terminated}, {"truncated", s.truncated},
                     {"valid", s.valid}});
  meta["rollout"] = nlohmann::json{{"steps", steps},
                                   {"last_next_obs", last_next_obs_},
                                   {"obs_rms", rms_json(obs_rms_)},
                                   {"ret_rms", rms_json(ret_rms_)},
                                   {"ret_acc", ret_acc_},
                                   {"ep_return", ep_return_},
                                   {"ended_returns", ended_returns_}}
                        .dump();
  nets::add_optimizer_state(*opt_, "optim.", t, meta);
}

void PPO::load_state(const nets::SafeTensors& st, const std::string& path) {
  auto meta = [&](const std::string& k) -> const std::string& { return nets::required_metadata(st, k, path); };
  if (meta("agent") != cfg.algo)
    throw CheckpointError("checkpoint '" + path + "' holds a '" + meta("agent") + "' agent, not " + cfg.algo);
  try {
    nets::load_module_state(policy_, st, "policy.", path);
    nets::load_module_state(value_, st, "value.", path);
    if (!discrete_) {
      auto it = st.tensors.find("log_std");
      if (it == st.tensors.end() || it->second.shape() != log_std_.value().shape())
        throw CheckpointError("'log_std' is missing or mis-shaped");
      log_std_.value() = it->second;
    }
    opt_->load_state(nets::optimizer_state_with_prefix(st, "optim."));
    updates_ = std::stol(meta("updates"));
    env_steps_ = std::stol(meta("env_steps"));
    rng_.set_state(meta("rng"));
    rollout_.clear();
    const auto j = nlohmann::json::parse(meta("rollout"));
    for (const auto& s : j.at("steps")) {
      Step x;
      x.obs = s.at("obs").get<std::vector<float>>();
      x.act = s.at("act").get<std::vector<float>>();
      x.logp = s.at("logp").get<std::vector<float>>();
      x.value = s.at("value").get<std::vector<float>>();
      x.reward = s.at("reward").get<std::vector<float>>();
      x.next_value = s.at("next_value").get<std::vector<float>>();
      x.terminated = s.at("terminated").get<std::vector<uint8_t>>();
      x.truncated = s.at("truncated").get<std::vector<uint8_t>>();
      x.valid = s.at("valid").get<std::vector<uint8_t>>();
      rollout_.push_back(std::move(x));
    }
    last_next_obs_ = j.at("last_next_obs").get<std::vector<float>>();
    obs_rms_ = rms_from(j.at("obs_rms"));
    ret_rms_ = rms_from(j.at("ret_rms"));
    ret_acc_ = j.at("ret_acc").get<std::vector<double>>();
    ep_return_ = j.at("ep_return").get<std::vector<double>>();
    ended_returns_ = j.at("ended_returns").get<std::vector<double>>();
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {  // seqrl errors, json errors, std::stol
    throw CheckpointError(cfg.algo + " checkpoint '" + path + "': " + e.what());
  }
}

namespace {
bool acts_on_vectors(const env::Space& o, const env::Space& a) {
  if (dynamic_cast<const env::TokenSequence*>(&o)) return false;
  return dynamic_cast<const env::Discrete*>(&a) != nullptr ||
         (dynamic_cast<const env::Box*>(&a) != nullptr && a.shape().size() == 1);
}

const std::vector<AgentOption>& ppo_options() {
  static const std::vector<AgentOption> o = {
      {"hidden", "/hidden", "policy and value hidden sizes, comma-separated (tanh)"},
      {"lr", "/lr", "learning rate (the initial one when annealed)"},
      {"anneal-lr", "/anneal_lr", "anneal the learning rate linearly to 0 over the run (0/1)"},
      {"n-steps", "/n_steps", "vector steps per rollout"},
      {"batch-size", "/batch_size", "PPO: minibatch size (transitions)"},
      {"n-epochs", "/n_epochs", "PPO: passes over each rollout"},
      {"gamma", "/gamma", "discount"},
      {"gae-lambda", "/gae_lambda", "GAE lambda (1: n-step returns)"},
      {"clip-range", "/clip_range", "PPO: surrogate clip epsilon"},
      {"anneal-clip", "/anneal_clip", "PPO: anneal the clip range linearly to 0 over the run (0/1)"},
      {"clip-range-vf", "/clip_range_vf", "clip the value loss around the rollout's values (0 = off)"},
      {"normalize-advantage", "/normalize_advantage", "normalise advantages per minibatch (0/1)"},
      {"ent-coef", "/ent_coef", "entropy bonus weight"},
      {"vf-coef", "/vf_coef", "value loss weight"},
      {"max-grad-norm", "/max_grad_norm", "global gradient norm clip (0 = off)"},
      {"init-log-std", "/init_log_std", "Gaussian policy: initial log std"},
      {"ortho-init", "/ortho_init", "orthogonal initialisation (0/1)"},
      {"normalize", "/normalize", "VecNormalize: running observation and reward scaling (0/1)"}};
  return o;
}

// rl-zoo's hyperparams/ppo.yml and a2c.yml (SB3's PPO and A2C) per env; n_envs and n_timesteps go
// to the run's defaults. Where rl-zoo uses gSDE (Pendulum) seqrl has a state-independent log-std.
struct ZooRow {
  size_t n_envs;
  long steps;
};
ZooRow zoo_ppo(const std::string& env, PPOConfig& c) {
  c.algo = "ppo";
  if (env == "CartPole-v1") {
    c.n_steps = 32, c.batch_size = 256, c.gae_lambda = 0.8f, c.gamma = 0.98f, c.n_epochs = 20, c.ent_coef = 0.f;
    c.lr = 1e-3f, c.anneal_lr = true, c.clip_range = 0.2f, c.anneal_clip = true;
    return {8, 100000};
  }
  if (env == "Acrobot-v1") {
    c.normalize = true, c.n_steps = 256, c.gae_lambda = 0.94f, c.gamma = 0.99f, c.n_epochs = 4, c.ent_coef = 0.f;
    return {16, 1000000};
  }
  if (env == "MountainCar-v0") {
    c.normalize = true, c.n_steps = 16, c.gae_lambda = 0.98f, c.gamma = 0.99f, c.n_epochs = 4, c.ent_coef = 0.f;
    return {16, 1000000};
  }
  if (env == "Pendulum-v1") {
    c.n_steps = 1024, c.gae_lambda = 0.95f, c.gamma = 0.9f, c.n_epochs = 10, c.ent_coef = 0.f, c.lr = 1e-3f,
    c.clip_range = 0.2f;
    return {4, 100000};
  }
  // SB3's defaults elsewhere (the toy envs): n_steps 2048 over 8 envs is long for their short
  // episodes, so a shorter rollout
  c.n_steps = 128, c.batch_size = 256, c.n_epochs = 10;
  return {8, 100000};
}
ZooRow zoo_a2c(const std::string& env, PPOConfig& c) {
  c.algo = "a2c";
  c.lr = 7e-4f, c.n_steps = 5, c.gae_lambda = 1.f, c.gamma = 0.99f, c.normalize_advantage = false, c.ent_coef = 0.f;
  c.vf_coef = 0.5f, c.max_grad_norm = 0.5f;
  if (env == "CartPole-v1") return {8, 500000};
  if (env == "Acrobot-v1") return c.normalize = true, ZooRow{16, 500000};
  if (env == "MountainCar-v0") return c.normalize = true, ZooRow{16, 1000000};
  if (env == "Pendulum-v1") {
    c.normalize = true, c.n_steps = 8, c.gae_lambda = 0.9f, c.vf_coef = 0.4f, c.gamma = 0.99f, c.lr = 7e-4f;
    c.anneal_lr = true, c.init_log_std = -2.f, c.ortho_init = false;
    return {8, 1000000};
  }
  return {8, 200000};
}

AgentSpec spec_for(const std::string& algo) {
  AgentSpec s;
  s.kind = algo;
  s.name = algo;
  s.data_parallel = "the policy and value networks (each rank its rows of every minibatch)";
  s.summary = algo == "ppo" ? "PPO (Schulman et al. 2017): clipped surrogate, GAE, minibatch epochs; categorical or Gaussian"
                            : "A2C (Mnih et al. 2016): n-step advantage actor-critic, RMSProp; categorical or Gaussian";
  s.spaces = "flat vector observations, Discrete or 1-D Box actions";
  s.supports = acts_on_vectors;
  s.defaults = [algo](const std::string& env_id, const std::string&) {
    PPOConfig c;
    algo == "ppo" ? zoo_ppo(env_id, c) : zoo_a2c(env_id, c);
    return nlohmann::json(c);
  };
  s.run_defaults = [algo](RunConfig& r, const std::string& env_id, const std::string&) {
    PPOConfig c;
    const ZooRow z = algo == "ppo" ? zoo_ppo(env_id, c) : zoo_a2c(env_id, c);
    r.num_envs = z.n_envs;
    r.total_steps = z.steps;
    r.eval_every = std::max<long>(z.steps / 20, 5000);
    one_hot_discrete_observations(r);
  };
  s.options = ppo_options();
  s.bind = [](nlohmann::json& c, const AgentContext& x) {
    c["seed"] = x.seed;
    c["total_steps"] = x.total_steps;
  };
  s.make = [](const env::Space& o, const env::Space& a, const nlohmann::json& c, bool) -> std::unique_ptr<Agent> {
    return PPO::for_spaces(o, a, c.get<PPOConfig>());
  };
  return s;
}
}  // namespace

AgentSpec ppo_agent_spec() { return spec_for("ppo"); }
AgentSpec a2c_agent_spec() { return spec_for("a2c"); }

}  // namespace seqrl::agents
