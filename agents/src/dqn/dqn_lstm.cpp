#include "seqrl/agents/dqn/dqn_lstm.hpp"

#include <algorithm>
#include <cstring>

#include <xtensor/xadapt.hpp>

#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/text_policy.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::agents {

namespace {
nets::LSTMGeneratorConfig net_config(size_t V, size_t T, const DQNConfig& c) {
  nets::LSTMGeneratorConfig g;
  g.vocab = V;
  g.seq_len = T;
  g.emb = g.hidden = c.hidden.empty() ? 32 : c.hidden.front();
  return g;
}
}  // namespace

std::unique_ptr<SequenceDQN> SequenceDQN::for_spaces(const env::Space& obs, const env::Space& act,
                                                     const DQNConfig& cfg) {
  const auto* ts = dynamic_cast<const env::TokenSequence*>(&obs);
  const auto* d = dynamic_cast<const env::Discrete*>(&act);
  if (!ts || !d || d->size != ts->vocab || d->start != 0)
    throw ValueError("the LSTM Q-network needs TokenSequence observations and Discrete actions over "
                     "the same vocabulary, got " + obs.str() + " and " + act.str());
  return std::make_unique<SequenceDQN>(size_t(ts->vocab), ts->max_len, cfg);
}

SequenceDQN::SequenceDQN(size_t vocab, size_t seq_len, const DQNConfig& c)
    : cfg(c), V_(vocab), T_(seq_len), rng_(c.seed), q_(net_config(vocab, seq_len, c), rng_),
      target_(net_config(vocab, seq_len, c), rng_) {
  if (c.batch_size == 0 || c.buffer_size < c.batch_size)
    throw ValueError("dqn-lstm: buffer_size must be >= batch_size > 0");
  check_dqn_config(c, "dqn-lstm");
  nets::hard_update(target_, q_);
  opt_ = std::make_unique<nets::Adam>(q_.named_parameters(), c.lr);
  seqs_.assign(c.buffer_size * T_, 0);
  pos_.assign(c.buffer_size, 0);
  actions_.assign(c.buffer_size, 0);
  rewards_.assign(c.buffer_size, 0.f);
  dones_.assign(c.buffer_size, 0);
}

float SequenceDQN::epsilon() const {
  const double span = cfg.exploration_fraction * double(cfg.total_steps);
  const double frac = span > 0 ? std::min(1.0, double(steps_) / span) : 1.0;
  return static_cast<float>(cfg.start_e + frac * (cfg.end_e - cfg.start_e));
}

std::vector<env::Action> SequenceDQN::act(const nets::Tensor& obs, bool deterministic) {
  const size_t n = obs.shape()[0];
  if (obs.size() != n * T_)
    throw ShapeError("dqn-lstm: observations " + shape_str(obs.shape()) + " are not [N, " + std::to_string(T_) + "]");
  std::vector<env::Action> out(n);
  const float eps = deterministic ? 0.f : epsilon();
  for (size_t i = 0; i < n; ++i) {
    if (!deterministic && rng_.uniform() < eps) {
      out[i] = env::Action(int64_t(rng_.randint(V_)));
      continue;
    }
    const size_t t = std::min(env::prefix_length(obs.data() + i * T_, T_), T_ - 1);
    nets::IntTensor pre = nets::IntTensor::from_shape({1, T_});
    for (size_t k = 0; k < T_; ++k) pre(0, k) = k < t ? int32_t(obs.data()[i * T_ + k]) : 0;
    const nets::Tensor q = q_.next_logits(pre, t);
    out[i] = env::Action(int64_t(std::max_element(q.begin(), q.end()) - q.begin()));
  }
  return out;
}

void SequenceDQN::observe(const Transitions& t) {
  const size_t n = t.rewards.size();
  for (size_t i = 0; i < n; ++i) {
    ++steps_;
    if (!t.valid[i]) continue;
    const size_t len = env::prefix_length(t.obs.data() + i * T_, T_);
    if (len >= T_) continue;  // no room for the action (cannot happen in TextGenEnv)
    int32_t* s = seqs_.data() + head_ * T_;
    std::fill(s, s + T_, 0);
    for (size_t k = 0; k < len; ++k) s[k] = int32_t(t.obs.data()[i * T_ + k]);
    s[len] = int32_t(t.actions[i].index);
    pos_[head_] = int32_t(len);
    actions_[head_] = int32_t(t.actions[i].index);
    rewards_[head_] = float(t.rewards[i]);
    dones_[head_] = t.terminated[i] || len + 1 >= T_;  // the prefix is full: nothing follows
    head_ = (head_ + 1) % cfg.buffer_size;
    size_ = std::min(size_ + 1, cfg.buffer_size);
  }
}

// Q-values [B, V] of rows `pos` (prefix lengths) of seqs under net; with grad, *out gets the graph.
nets::Tensor SequenceDQN::q_rows(const nets::LSTMGenerator& net, const nets::IntTensor& seqs,
                                 const std::vector<size_t>& pos, bool grad, nets::Var* out) {
  const size_t B = seqs.shape()[0];
  nets::IntTensor in = nets::IntTensor::from_shape({B, T_});
  for (size_t b = 0; b < B; ++b) {  // inputs: the start token, then the sequence shifted right
    in(b, 0) = net.cfg.start_token;
    for (size_t k = 1; k < T_; ++k) in(b, k) = seqs(b, k - 1);
  }
  std::unique_ptr<nets::NoGrad> ng;
  if (!grad) ng = std::make_unique<nets::NoGrad>();
  nets::Var h = net.lstm.forward(net.embedding.forward(in)).out;  // [B, T, H]; position p: prefix p
  nets::IntTensor rows = nets::IntTensor::from_shape({B});
  for (size_t b = 0; b < B; ++b) rows(b) = int32_t(b * T_ + std::min(pos[b], T_ - 1));
  nets::Var picked = nets::embedding(nets::reshape(h, {B * T_, net.cfg.hidden}), rows);  // [B, H]
  nets::Var q = net.out.forward(picked);
  if (out) *out = q;
  return q.value();
}

float SequenceDQN::train_step() {
  const size_t B = cfg.batch_size;
  nets::IntTensor seqs = nets::IntTensor::from_shape({B, T_});
  std::vector<size_t> pos(B), next(B);
  nets::IntTensor a = nets::IntTensor::from_shape({B});
  std::vector<float> r(B), d(B);
  for (size_t b = 0; b < B; ++b) {
    const size_t j = rng_.randint(size_);
    std::memcpy(seqs.data() + b * T_, seqs_.data() + j * T_, T_ * sizeof(int32_t));
    pos[b] = size_t(pos_[j]);
    next[b] = pos[b] + 1;
    a(b) = actions_[j];
    r[b] = rewards_[j];
    d[b] = dones_[j];
  }
  const nets::Tensor qn = q_rows(target_, seqs, next, false, nullptr);
  nets::Tensor y = nets::Tensor::from_shape({B});
  for (size_t b = 0; b < B; ++b) {
    const float* row = qn.data() + b * V_;
    y(b) = r[b] + (d[b] ? 0.f : cfg.gamma * *std::max_element(row, row + V_));
  }
  opt_->zero_grad();
  // under MPI each rank takes its rows of the minibatch (every rank drew the same one) and the
  // gradients are summed in rank order; alone, rows [0, B) are the whole minibatch
  const double loss = nets::data_parallel_backward(B, opt_->params(), [&](size_t b, size_t e) {
    const std::vector<size_t> pb(pos.begin() + long(b), pos.begin() + long(e));
    nets::Var q;
    q_rows(q_, nets::row_slice(seqs, b, e), pb, true, &q);
    nets::Var q_sa = nets::gather(q, nets::row_slice(a, b, e));
    const nets::Tensor yb = nets::row_slice(y, b, e);
    return cfg.huber ? nets::huber(q_sa, yb) : nets::mse(q_sa, yb);
  });
  if (cfg.max_grad_norm > 0.f) nets::clip_grad_norm(opt_->params(), cfg.max_grad_norm);
  opt_->step();
  ++updates_;
  return float(loss);
}

Metrics SequenceDQN::update() {
  return dqn_schedule(cfg, last_update_step_, steps_, size_, [this] { return train_step(); }, epsilon(),
                      target_, q_);
}

void SequenceDQN::save_state(nets::SafeTensors& out) const {
  nets::add_module_state(q_, "q.", out.tensors);
  nets::add_module_state(target_, "target.", out.tensors);
  const size_t N = cfg.buffer_size;
  auto as_float = [](const auto& v) { return std::vector<float>(v.begin(), v.end()); };
  out.tensors["replay.seqs"] = xt::adapt(as_float(seqs_), std::vector<size_t>{N, T_});
  out.tensors["replay.pos"] = xt::adapt(as_float(pos_), std::vector<size_t>{N});
  out.tensors["replay.actions"] = xt::adapt(as_float(actions_), std::vector<size_t>{N});
  out.tensors["replay.rewards"] = xt::adapt(rewards_, std::vector<size_t>{N});
  out.tensors["replay.dones"] = xt::adapt(as_float(dones_), std::vector<size_t>{N});
  auto& meta = out.metadata;
  meta["agent"] = "dqn-lstm";
  meta["config"] = nlohmann::json(cfg).dump();
  meta["steps"] = std::to_string(steps_);
  meta["updates"] = std::to_string(updates_);
  meta["last_update_step"] = std::to_string(last_update_step_);
  meta["replay.head"] = std::to_string(head_);
  meta["replay.size"] = std::to_string(size_);
  meta["rng"] = rng_.state();
  nets::add_optimizer_state(*opt_, "optim.", out.tensors, meta);
}

void SequenceDQN::load_state(const nets::SafeTensors& st, const std::string& path) {
  auto meta = [&](const std::string& k) -> const std::string& { return nets::required_metadata(st, k, path); };
  if (meta("agent") != "dqn-lstm")
    throw CheckpointError("checkpoint '" + path + "' holds a '" + meta("agent") + "' agent, not dqn-lstm");
  const size_t N = cfg.buffer_size;
  auto tensor = [&](const std::string& k, size_t n) -> const nets::Tensor& {
    return nets::required_tensor(st, k, n, path);
  };
  const nets::Tensor &s = tensor("replay.seqs", N * T_), &p = tensor("replay.pos", N),
                     &a = tensor("replay.actions", N), &r = tensor("replay.rewards", N),
                     &d = tensor("replay.dones", N);
  try {
    q_.load_state(nets::tensors_with_prefix(st, "q."));
    target_.load_state(nets::tensors_with_prefix(st, "target."));
    opt_->load_state(nets::optimizer_state_with_prefix(st, "optim."));
  } catch (const Error& e) {
    throw CheckpointError("dqn-lstm checkpoint '" + path + "': " + e.what());
  }
  for (size_t i = 0; i < N * T_; ++i) seqs_[i] = int32_t(s.data()[i]);
  for (size_t i = 0; i < N; ++i) {
    pos_[i] = int32_t(p.data()[i]);
    actions_[i] = int32_t(a.data()[i]);
    rewards_[i] = r.data()[i];
    dones_[i] = d.data()[i] != 0.f;
  }
  steps_ = std::stol(meta("steps"));
  updates_ = std::stol(meta("updates"));
  last_update_step_ = std::stol(meta("last_update_step"));
  head_ = std::stoul(meta("replay.head"));
  size_ = std::stoul(meta("replay.size"));
  rng_.set_state(meta("rng"));
}

AgentSpec dqn_lstm_agent_spec() {
  AgentSpec s = dqn_agent_spec();
  s.kind = "dqn-lstm";
  s.data_parallel = "the Q-network (each rank its rows of the minibatch)";
  s.summary = "DQN on text envs: an LSTM Q-network over the token prefix (one Q per next token)";
  s.spaces = kTokenSpaces;
  s.supports = acts_on_tokens;
  s.run_defaults = [](RunConfig& r, const std::string&, const std::string&) { r.total_steps = 100000; };
  s.make = [](const env::Space& o, const env::Space& a, const nlohmann::json& c, bool) -> std::unique_ptr<Agent> {
    return SequenceDQN::for_spaces(o, a, c.get<DQNConfig>());
  };
  return s;
}

}  // namespace seqrl::agents
