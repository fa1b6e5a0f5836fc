// PPO with a KL anchor on text envs. See ppo/ppo_lstm.hpp.
#include "seqrl/agents/ppo/ppo_lstm.hpp"

#include <algorithm>
#include <cmath>

#include "seqrl/agents/generator_file.hpp"
#include "seqrl/agents/ppo/ppo.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/text_policy.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::agents {

double adapt_beta(double beta, double kl, double target_kl, double n, double horizon) {
  if (!(target_kl > 0)) return beta;
  const double e = std::clamp(kl / target_kl - 1.0, -0.2, 0.2);
  return beta * (1.0 + e * n / horizon);
}

ValueLSTM::ValueLSTM(size_t vocab, size_t emb, size_t hidden, int32_t start, nets::Rng& rng)
    : embedding(vocab, emb, rng), lstm(emb, hidden, rng), head(hidden, 1, rng), start_token(start) {
  register_module("embedding", embedding);
  register_module("lstm", lstm);
  register_module("head", head);
}

nets::Var ValueLSTM::forward(const nets::IntTensor& seqs) const {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1];
  // the start token, then y_1..y_{T-1}
  const nets::Var h = lstm.forward(embedding.forward(nets::shift_right(seqs, start_token))).out;  // [B, T, H]
  const nets::Var v = head.forward(nets::reshape(h, {B * T, lstm.hidden_size}));
  return nets::reshape(v, {B, T});
}

void nucleus_bias(const float* logits, size_t V, double p, float* bias) {
  if (V == 0) return;
  const float mx = *std::max_element(logits, logits + V);
  std::vector<double> e(V);
  double z = 0;
  for (size_t v = 0; v < V; ++v) z += e[v] = std::exp(double(logits[v]) - mx);
  std::vector<size_t> order(V);
  for (size_t v = 0; v < V; ++v) order[v] = v;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return e[a] > e[b]; });
  std::fill(bias, bias + V, kMasked);
  double mass = 0;
  for (size_t k = 0; k < V; ++k) {
    bias[order[k]] = 0.f;
    mass += e[order[k]] / z;
    if (mass >= p) break;
  }
}

nets::Var PPOText::masked_log_probs(const nets::LSTMGenerator& g, const nets::IntTensor& seqs, const nets::Tensor& bias) {
  const size_t B = seqs.shape()[0], T = seqs.shape()[1], V = g.cfg.vocab;
  if (bias.dimension() != 2 || bias.shape()[0] != B * T || bias.shape()[1] != V)
    throw ShapeError("PPOText::masked_log_probs: bias " + shape_str(bias.shape()) + " for sequences " +
                     shape_str(seqs.shape()) + " over " + std::to_string(V) + " tokens");
  nets::IntTensor target = nets::IntTensor::from_shape({B * T});
  std::copy(seqs.data(), seqs.data() + B * T, target.data());
  const nets::Var h = g.lstm.forward(g.embedding.forward(nets::shift_right(seqs, g.cfg.start_token))).out;  // [B, T, H]
  const nets::Var logits = g.out.forward(nets::reshape(h, {B * T, g.cfg.hidden}));
  return nets::gather(nets::log_softmax(nets::add(logits, nets::Var(bias))), target);
}

nets::Var PPOText::token_surrogate(const nets::LSTMGenerator& g, const nets::IntTensor& seqs,
                                   const nets::Tensor& old_logp, const nets::Tensor& adv, const nets::Tensor& mask,
                                   float eps, double* clipped, double* approx_kl, const nets::Tensor* bias) {
  nets::Var picked;
  if (bias) picked = masked_log_probs(g, seqs, *bias);
  const nets::Tensor lp = bias ? picked.value() : g.log_probs(seqs);
  nets::Tensor w = nets::Tensor::from_shape(seqs.shape());
  double n = 0;
  for (float m : mask) n += m;
  if (n == 0) throw ValueError("PPOText::token_surrogate: the mask selects no token");
  double value = 0, nclip = 0, kl = 0;
  for (size_t i = 0; i < lp.size(); ++i) {
    w.data()[i] = 0.f;
    if (mask.data()[i] == 0.f) continue;
    const double lr = double(lp.data()[i]) - old_logp.data()[i], r = std::exp(lr), a = adv.data()[i];
    const double rc = std::clamp(r, 1.0 - eps, 1.0 + eps);
    const bool unclipped = r * a <= rc * a;
    value -= std::min(r * a, rc * a) / n;
    if (unclipped) w.data()[i] = float(a * r / n);
    nclip += std::abs(r - 1.0) > eps;
    kl += (r - 1.0) - lr;
  }
  if (clipped) *clipped = nclip / n;
  if (approx_kl) *approx_kl = kl / n;
  // sum_i w_i nll_i has the surrogate's gradient; shifted to the surrogate's value
  nets::Var s;
  if (bias) {
    nets::Tensor wf = w;
    wf.reshape({w.size()});
    s = nets::neg(nets::sum(nets::mul(picked, nets::Var(wf))));
  } else {
    s = g.weighted_nll_sum(seqs, w);
  }
  return nets::add_scalar(s, float(value - s.item()));
}

namespace {
nets::LSTMGeneratorConfig policy_config(size_t V, size_t T, const PPOTextConfig& c) {
  nets::LSTMGeneratorConfig g;
  g.vocab = V;
  g.seq_len = T;
  g.emb = c.emb;
  g.hidden = c.hidden;
  return g;
}
}  // namespace

std::unique_ptr<PPOText> PPOText::for_spaces(const env::Space& obs, const env::Space& act, const PPOTextConfig& cfg) {
  const auto* ts = dynamic_cast<const env::TokenSequence*>(&obs);
  const auto* d = dynamic_cast<const env::Discrete*>(&act);
  if (!ts || !d || d->size != ts->vocab || d->start != 0)
    throw ValueError("ppo on text needs TokenSequence observations and Discrete actions 0..vocab-1, got " +
                     obs.str() + " and " + act.str());
  return std::make_unique<PPOText>(size_t(ts->vocab), ts->max_len, cfg);
}

PPOText::PPOText(size_t vocab, size_t seq_len, const PPOTextConfig& c)
    : cfg(c),
      V_(vocab),
      T_(seq_len),
      pad_(0),
      rng_(c.seed),
      policy_(policy_config(vocab, seq_len, c), rng_),
      ref_(policy_config(vocab, seq_len, c), rng_),
      value_(vocab, c.emb, c.hidden, 0, rng_),
      beta_(c.beta) {
  const std::string who = "ppo (text): ";
  if (c.episodes_per_update == 0 || c.batch_size == 0 || c.n_epochs == 0)
    throw ValueError(who + "episodes_per_update, batch_size and n_epochs must be > 0");
  if (!(c.gamma >= 0.f && c.gamma <= 1.f) || !(c.gae_lambda >= 0.f && c.gae_lambda <= 1.f))
    throw ValueError(who + "gamma and gae_lambda must be in [0, 1]");
  if (!(c.beta >= 0.f)) throw ValueError(who + "beta must be >= 0, got " + std::to_string(c.beta));
  if (!(c.clip_range > 0.f)) throw ValueError(who + "clip_range must be > 0");
  if (!(c.top_p > 0.f && c.top_p <= 1.f)) throw ValueError(who + "top_p must be in (0, 1], got " + std::to_string(c.top_p));
  if (!c.env_id.empty()) {
    const std::unique_ptr<env::Env> probe = env::make(c.env_id, c.env_options);
    const auto* te = dynamic_cast<const env::TextGenEnv*>(probe.get());
    if (te && te->eos() >= 0) pad_ = te->eos();
    if (!c.init_generator.empty())
      load_generator_file(c.init_generator, policy_, te ? te->words() : nullptr, te ? te->eos() : -1,
                          "ppo --init-generator");
  } else if (!c.init_generator.empty()) {
    throw ValueError(who + "init_generator needs env_id (its vocabulary is checked against the env's)");
  }
  nets::hard_update(ref_, policy_);  // the anchor: the policy as it starts
  opt_ = std::make_unique<nets::Adam>(policy_.named_parameters(), c.lr, 0.9f, 0.999f, 1e-5f);
  value_opt_ = std::make_unique<nets::Adam>(value_.named_parameters(), c.value_lr, 0.9f, 0.999f, 1e-5f);
}

std::vector<double> kl_shaped_rewards(const std::vector<double>& env_rewards, const float* logp, const float* ref_logp,
                                      size_t L, double beta, double* kl) {
  if (env_rewards.size() < L)
    throw ValueError("kl_shaped_rewards: " + std::to_string(env_rewards.size()) + " env rewards for " + std::to_string(L) + " tokens");
  std::vector<double> r(L);
  double sum = 0;
  for (size_t k = 0; k < L; ++k) {
    const double k_t = double(logp[k]) - ref_logp[k];
    sum += k_t;
    r[k] = env_rewards[k] - beta * k_t;
  }
  if (kl) *kl = sum;
  return r;
}

std::vector<env::Action> PPOText::act(const nets::Tensor& obs, bool deterministic) {
  if (cfg.top_p >= 1.f) return next_tokens(policy_, obs, deterministic, rng_, "ppo");
  // NLPO: the policy's logits outside the anchor's nucleus masked away
  return next_tokens(
      [&](const nets::IntTensor& pre, size_t given) {
        nets::Tensor l = policy_.next_logits(pre, given);
        const nets::Tensor r = ref_.next_logits(pre, given);
        std::vector<float> bias(V_);
        for (size_t i = 0; i < pre.shape()[0]; ++i) {
          nucleus_bias(r.data() + i * V_, V_, cfg.top_p, bias.data());
          for (size_t v = 0; v < V_; ++v) l.data()[i * V_ + v] += bias[v];
        }
        return l;
      },
      T_, V_, obs, deterministic, rng_, "ppo");
}

nets::Tensor PPOText::nucleus_of(const nets::IntTensor& seqs) const {
  const size_t M = seqs.shape()[0];
  nets::Tensor bias = nets::Tensor::from_shape({M * T_, V_});
  for (size_t t = 0; t < T_; ++t) {
    const nets::Tensor r = ref_.next_logits(seqs, t);  // [M, V]: after each row's first t tokens
    for (size_t b = 0; b < M; ++b) {
      float* row = bias.data() + (b * T_ + t) * V_;
      nucleus_bias(r.data() + b * V_, V_, cfg.top_p, row);
      row[size_t(seqs(b, t))] = 0.f;  // a row's own token stays in, whatever the rounding at the edge
    }
  }
  return bias;
}

void PPOText::observe(const Transitions& t) { episodes_.observe(t); }

Metrics PPOText::update() {
  if (episodes_.finished.size() < cfg.episodes_per_update) return {};
  const size_t M = cfg.episodes_per_update, T = T_;
  std::vector<size_t> len;
  double mean_return = 0;
  // the env's per-token rewards of the batch's episodes (take_batch hands over their tokens only)
  std::vector<std::vector<double>> env_rewards(M);
  for (size_t b = 0; b < M; ++b) env_rewards[b] = episodes_.finished[b].rewards;
  const nets::IntTensor seqs = episodes_.take_batch(M, T, pad_, len, mean_return);
  nets::Tensor mask = nets::Tensor::from_shape({M, T});
  for (size_t b = 0; b < M; ++b)
    for (size_t k = 0; k < T; ++k) mask(b, k) = k < len[b] ? 1.f : 0.f;
  // the rollout's log-probabilities under the policy (NLPO: masked, as it sampled) and the
  // anchor, and its values
  const bool nlpo = cfg.top_p < 1.f;
  const nets::Tensor nucleus = nlpo ? nucleus_of(seqs) : nets::Tensor();
  nets::Tensor old;
  if (nlpo) {
    nets::NoGrad ng;
    old = masked_log_probs(policy_, seqs, nucleus).value().reshape({M, T});
  } else {
    old = policy_.log_probs(seqs);
  }
  const nets::Tensor ref = ref_.log_probs(seqs);
  double nucleus_size = 0, tokens = 0;  // the mean size of the action space left, over the chosen tokens
  if (nlpo) {
    for (size_t i = 0; i < M * T; ++i) {
      if (mask.data()[i] == 0.f) continue;
      tokens += 1;
      for (size_t v = 0; v < V_; ++v) nucleus_size += nucleus.data()[i * V_ + v] == 0.f;
    }
    nucleus_size /= std::max(tokens, 1.0);
  }
  nets::Tensor values;
  {
    nets::NoGrad ng;
    values = value_.forward(seqs).value();
  }
  // rewards with the KL penalty; GAE per sequence (its end is terminal)
  nets::Tensor adv = nets::Tensor::from_shape({M, T}), ret = nets::Tensor::from_shape({M, T});
  std::fill(adv.begin(), adv.end(), 0.f);
  std::fill(ret.begin(), ret.end(), 0.f);
  double kl_seq = 0, env_reward = 0;
  for (size_t b = 0; b < M; ++b) {
    const size_t L = len[b];
    std::vector<double> v(L), nv(L, 0.0);
    std::vector<uint8_t> term(L, 0), ended(L, 0);
    double kl = 0;
    const std::vector<double> r = kl_shaped_rewards(env_rewards[b], &old(b, 0), &ref(b, 0), L, beta_, &kl);
    for (size_t k = 0; k < L; ++k) {
      env_reward += env_rewards[b][k] / double(M);
      v[k] = values(b, k);
      if (k + 1 < L) nv[k] = values(b, k + 1);
    }
    if (L) term[L - 1] = ended[L - 1] = 1;
    kl_seq += kl / double(M);
    const std::vector<double> a = gae(r, v, nv, term, ended, cfg.gamma, cfg.gae_lambda);
    for (size_t k = 0; k < L; ++k) adv(b, k) = float(a[k]), ret(b, k) = float(a[k] + v[k]);
  }
  // PPO epochs over minibatches of sequences (each rank its rows of a minibatch under MPI)
  double fig[5] = {0, 0, 0, 0, 0};  // surrogate, value loss, approx_kl, clipfrac (sums), minibatches
  const size_t B = std::min(cfg.batch_size, M);
  for (size_t ep = 0; ep < cfg.n_epochs; ++ep) {
    std::vector<size_t> order(M);
    for (size_t k = 0; k < M; ++k) order[k] = k;
    for (size_t k = M; k > 1; --k) std::swap(order[k - 1], order[rng_.randint(k)]);
    for (size_t start = 0; start < M; start += B) {
      const size_t n = std::min(B, M - start);
      nets::IntTensor ms = nets::IntTensor::from_shape({n, T});
      nets::Tensor mo = nets::Tensor::from_shape({n, T}), ma = nets::Tensor::from_shape({n, T}),
                   mm = nets::Tensor::from_shape({n, T}), mr = nets::Tensor::from_shape({n, T});
      nets::Tensor mb = nlpo ? nets::Tensor::from_shape({n * T, V_}) : nets::Tensor();
      for (size_t k = 0; k < n; ++k) {
        const size_t row = order[start + k];
        for (size_t t = 0; t < T; ++t) {
          ms(k, t) = seqs(row, t), mo(k, t) = old(row, t), ma(k, t) = adv(row, t), mm(k, t) = mask(row, t),
          mr(k, t) = ret(row, t);
        }
        if (nlpo) std::copy_n(nucleus.data() + row * T * V_, T * V_, mb.data() + k * T * V_);
      }
      // advantages normalised over the minibatch's tokens
      double mean = 0, var = 0, cnt = 0;
      for (size_t i = 0; i < ma.size(); ++i)
        if (mm.data()[i] > 0) mean += ma.data()[i], ++cnt;
      mean /= std::max(cnt, 1.0);
      for (size_t i = 0; i < ma.size(); ++i)
        if (mm.data()[i] > 0) var += (ma.data()[i] - mean) * (ma.data()[i] - mean);
      const double sd = std::sqrt(var / std::max(cnt - 1.0, 1.0)) + 1e-8;
      for (size_t i = 0; i < ma.size(); ++i) ma.data()[i] = mm.data()[i] > 0 ? float((ma.data()[i] - mean) / sd) : 0.f;
      double part[4] = {0, 0, 0, 0};
      opt_->zero_grad();
      nets::data_parallel_backward(n, opt_->params(), [&](size_t b, size_t e) {
        double clipped = 0, akl = 0;
        const nets::Tensor part_bias = nlpo ? nets::row_slice(mb, b * T, e * T) : nets::Tensor();
        nets::Var loss = token_surrogate(policy_, nets::row_slice(ms, b, e), nets::row_slice(mo, b, e),
                                         nets::row_slice(ma, b, e), nets::row_slice(mm, b, e), cfg.clip_range,
                                         &clipped, &akl, nlpo ? &part_bias : nullptr);
        const double share = double(e - b) / double(n);
        part[0] = loss.item() * share, part[2] = akl * share, part[3] = clipped * share;
        return loss;
      });
      if (cfg.max_grad_norm > 0.f) nets::clip_grad_norm(opt_->params(), cfg.max_grad_norm);
      opt_->step();
      // the value LSTM: 0.5 (V - R)^2 over the minibatch's tokens
      value_opt_->zero_grad();
      part[1] = nets::data_parallel_backward(n, value_opt_->params(), [&](size_t b, size_t e) {
        const nets::Tensor m = nets::row_slice(mm, b, e);
        double cnt_m = 0;
        for (float x : m) cnt_m += x;
        const nets::Var d = nets::sub(value_.forward(nets::row_slice(ms, b, e)), nets::Var(nets::row_slice(mr, b, e)));
        return nets::scale(nets::sum(nets::mul(nets::square(d), nets::Var(m))), float(0.5 / std::max(cnt_m, 1.0)));
      });
      if (cfg.max_grad_norm > 0.f) nets::clip_grad_norm(value_opt_->params(), cfg.max_grad_norm);
      value_opt_->step();
      if (nets::dist::size() > 1) {
        double p3[3] = {part[0], part[2], part[3]};
        nets::dist::allreduce_sum(p3, 3);
        part[0] = p3[0], part[2] = p3[1], part[3] = p3[2];
      }
      for (int q = 0; q < 4; ++q) fig[q] += part[q];
      fig[4] += 1;
    }
  }
  const double beta_used = beta_;
  beta_ = adapt_beta(beta_, kl_seq, cfg.target_kl, double(M), cfg.kl_horizon);
  ++updates_;
  Metrics m = {{"env_reward", env_reward},   {"kl", kl_seq},
               {"beta", beta_used},          {"policy_loss", fig[0] / fig[4]},
               {"value_loss", fig[1] / fig[4]}, {"approx_kl", fig[2] / fig[4]},
               {"clipfrac", fig[3] / fig[4]}, {"train_return", mean_return}};
  if (nlpo) m.push_back({"nucleus_tokens", nucleus_size});
  return m;
}

void PPOText::save_state(nets::SafeTensors& out) const {
  nets::add_module_state(policy_, "policy.", out.tensors);
  nets::add_module_state(ref_, "ref.", out.tensors);
  nets::add_module_state(value_, "value.", out.tensors);
  auto& meta = out.metadata;
  meta["agent"] = "ppo-lstm";
  meta["config"] = nlohmann::json(cfg).dump();
  meta["updates"] = std::to_string(updates_);
  meta["rng"] = rng_.state();
  meta["beta"] = nlohmann::json(beta_).dump();
  meta["episodes"] = episodes_.to_json().dump();
  nets::add_optimizer_state(*opt_, "optim.", out.tensors, meta);
  nets::add_optimizer_state(*value_opt_, "value_optim.", out.tensors, meta);
}

void PPOText::load_state(const nets::SafeTensors& st, const std::string& path) {
  auto meta = [&](const std::string& k) -> const std::string& { return nets::required_metadata(st, k, path); };
  if (meta("agent") != "ppo-lstm")
    throw CheckpointError("checkpoint '" + path + "' holds a '" + meta("agent") + "' agent, not ppo-lstm");
  try {
    nets::load_module_state(policy_, st, "policy.", path);
    nets::load_module_state(ref_, st, "ref.", path);
    nets::load_module_state(value_, st, "value.", path);
    opt_->load_state(nets::optimizer_state_with_prefix(st, "optim."));
    value_opt_->load_state(nets::optimizer_state_with_prefix(st, "value_optim."));
    updates_ = std::stol(meta("updates"));
    rng_.set_state(meta("rng"));
    beta_ = nlohmann::json::parse(meta("beta")).get<double>();
    episodes_ = TextEpisodes{};
    if (auto it = st.metadata.find("episodes"); it != st.metadata.end())
      episodes_.from_json(nlohmann::json::parse(it->second));
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {
    throw CheckpointError("ppo-lstm checkpoint '" + path + "': " + e.what());
  }
}

AgentSpec ppo_lstm_agent_spec() {
  AgentSpec s;
  s.kind = "ppo-lstm";
  s.name = "ppo";
  s.data_parallel = "the LSTM policy and the value LSTM (each rank its rows of every minibatch)";
  s.summary = "PPO on text with a KL penalty to the starting LM (Ziegler et al. 2019, RL4LMs): fixed or adaptive beta";
  s.spaces = kTokenSpaces;
  s.supports = acts_on_tokens;
  s.defaults = [](const std::string&, const std::string&) { return nlohmann::json(PPOTextConfig{}); };
  s.run_defaults = [](RunConfig& r, const std::string&, const std::string&) {
    r.total_steps = 200000;
    r.num_envs = 64;  // one sub-env per sequence of a rollout
    r.eval_every = 0;
    r.final_eval_episodes = 10;
  };
  s.options = {{"emb", "/emb", "policy embedding width"},
               {"hidden", "/hidden", "policy and value LSTM width"},
               {"init-generator", "/init_generator", "generator.safetensors to start from (seqrl fit lm) and anchor to"},
               {"lr", "/lr", "policy Adam learning rate"},
               {"value-lr", "/value_lr", "value LSTM Adam learning rate"},
               {"episodes-per-update", "/episodes_per_update", "sequences per rollout"},
               {"batch-size", "/batch_size", "sequences per minibatch"},
               {"n-epochs", "/n_epochs", "passes over each rollout"},
               {"gamma", "/gamma", "discount over tokens"},
               {"gae-lambda", "/gae_lambda", "GAE lambda"},
               {"clip-range", "/clip_range", "surrogate clip epsilon"},
               {"beta", "/beta", "KL penalty weight (the initial one when adaptive)"},
               {"target-kl", "/target_kl", "adaptive beta toward this KL per sequence (0 = fixed beta)"},
               {"kl-horizon", "/kl_horizon", "the adaptive controller's horizon (sequences)"},
               {"max-grad-norm", "/max_grad_norm", "gradient clip (0 = off)"},
               {"top-p", "/top_p", "NLPO: mask the actions to the anchor's top-p tokens at each prefix (1 = off)"}};
  s.bind = [](nlohmann::json& c, const AgentContext& x) {
    c["seed"] = x.seed;
    c["env_id"] = x.env_id;
    c["env_options"] = x.env_options;
  };
  s.make = [](const env::Space& o, const env::Space& a, const nlohmann::json& j, bool restoring) -> std::unique_ptr<Agent> {
    PPOTextConfig c = j.get<PPOTextConfig>();
    if (restoring) c.init_generator.clear();  // the checkpoint holds the policy and its anchor
    return PPOText::for_spaces(o, a, c);
  };
  return s;
}

}  // namespace seqrl::agents
