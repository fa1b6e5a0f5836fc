#include "seqrl/agents/reinforce/reinforce_lstm.hpp"

#include <algorithm>
#include <cmath>

#include "seqrl/agents/generator_file.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/text_policy.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/ops.hpp"

namespace seqrl::agents {

namespace {
nets::LSTMGeneratorConfig policy_config(size_t V, size_t T, const SequencePGConfig& c) {
  nets::LSTMGeneratorConfig g;
  g.vocab = V;
  g.seq_len = T;
  g.emb = c.emb;
  g.hidden = c.hidden;
  return g;
}
}  // namespace

std::unique_ptr<SequencePG> SequencePG::for_spaces(const env::Space& obs, const env::Space& act,
                                                   const SequencePGConfig& cfg) {
  const auto* ts = dynamic_cast<const env::TokenSequence*>(&obs);
  const auto* d = dynamic_cast<const env::Discrete*>(&act);
  if (!ts || !d)
    throw ValueError("the LSTM policy needs TokenSequence observations and Discrete actions, got " +
                     obs.str() + " and " + act.str());
  if (d->size != ts->vocab || d->start != 0)
    throw ValueError("the LSTM policy needs actions 0..vocab-1 matching the observations' vocabulary " +
                     std::to_string(ts->vocab) + ", got " + act.str());
  return std::make_unique<SequencePG>(size_t(ts->vocab), ts->max_len, cfg);
}

SequencePG::SequencePG(size_t vocab, size_t seq_len, const SequencePGConfig& c)
    : cfg(c), V_(vocab), T_(seq_len), rng_(c.seed), policy_(policy_config(vocab, seq_len, c), rng_) {
  if (c.baseline != "mean" && c.baseline != "none")
    throw ValueError("reinforce-lstm: baseline must be mean or none, got '" + c.baseline + "'");
  if (c.episodes_per_update == 0) throw ValueError("reinforce-lstm: episodes_per_update must be > 0");
  if (!(c.gamma >= 0.f && c.gamma <= 1.f)) throw ValueError("reinforce-lstm: gamma must be in [0, 1], got " + std::to_string(c.gamma));
  if (!c.init_checkpoint.empty()) {
    // the env's words and end token, which the generator file must share
    const std::unique_ptr<env::Env> probe = env::make(c.env_id, c.env_options);
    const auto* te = dynamic_cast<const env::TextGenEnv*>(probe.get());
    load_generator_file(c.init_checkpoint, policy_, te ? te->words() : nullptr, te ? te->eos() : -1,
                        "reinforce-lstm --init-checkpoint");
  }
  opt_ = std::make_unique<nets::Adam>(policy_.named_parameters(), c.lr);
}

std::vector<env::Action> SequencePG::act(const nets::Tensor& obs, bool deterministic) {
  return next_tokens(policy_, obs, deterministic, rng_, "reinforce-lstm");
}

void SequencePG::observe(const Transitions& t) { episodes_.observe(t); }

Metrics SequencePG::update() {
  auto& finished = episodes_.finished;
  if (finished.size() < cfg.episodes_per_update) return {};
  const size_t M = finished.size();
  nets::IntTensor seqs = nets::IntTensor::from_shape({M, T_});
  nets::Tensor w = nets::Tensor::from_shape({M, T_});
  std::fill(seqs.begin(), seqs.end(), 0);
  std::fill(w.begin(), w.end(), 0.f);
  double mean_return = 0, mean_g = 0;
  size_t count = 0;
  std::vector<std::vector<double>> G(M);
  for (size_t b = 0; b < M; ++b) {
    const TextEpisodes::Episode& e = finished[b];
    const size_t L = std::min(e.tokens.size(), T_);
    G[b].assign(L, 0.0);
    double acc = 0;
    for (size_t k = L; k-- > 0;) G[b][k] = acc = e.rewards[k] + cfg.gamma * acc;
    for (size_t k = 0; k < L; ++k) seqs(b, k) = e.tokens[k], mean_g += G[b][k], ++count;
    double ep = 0;
    for (double r : e.rewards) ep += r;
    mean_return += ep / double(M);
  }
  mean_g /= double(std::max<size_t>(count, 1));
  const double base = cfg.baseline == "mean" ? mean_g : 0.0;
  for (size_t b = 0; b < M; ++b)
    for (size_t k = 0; k < G[b].size(); ++k) w(b, k) = static_cast<float>(G[b][k] - base);
  // data-parallel under MPI: each rank the gradient of its rows (every rank played the same
  // episodes); the loss returned is the global batch's
  opt_->zero_grad();
  const double loss = nets::data_parallel_backward(M, opt_->params(), [&](size_t b, size_t e) {
    if (e - b == M) return nets::scale(policy_.weighted_nll_sum(seqs, w), 1.f / float(M));
    return nets::scale(policy_.weighted_nll_sum(nets::row_slice(seqs, b, e), nets::row_slice(w, b, e)),
                       1.f / float(e - b));
  });
  // the gradient's global norm (before clipping): a well-conditioned figure of the whole update,
  // where the loss itself is a small sum of terms of both signs
  const double grad_norm = nets::clip_grad_norm(opt_->params(), cfg.clip > 0.f ? cfg.clip : 1e30f);
  opt_->step();
  finished.clear();
  ++updates_;
  return {{"policy_loss", loss}, {"grad_norm", grad_norm}, {"train_return", mean_return}, {"batch_episodes", double(M)}};
}

void SequencePG::save_state(nets::SafeTensors& out) const {
  nets::add_module_state(policy_, "policy.", out.tensors);
  auto& meta = out.metadata;
  meta["agent"] = "reinforce-lstm";
  meta["config"] = nlohmann::json(cfg).dump();
  meta["updates"] = std::to_string(updates_);
  meta["rng"] = rng_.state();
  meta["episodes"] = episodes_.to_json().dump();
  nets::add_optimizer_state(*opt_, "optim.", out.tensors, meta);
}

void SequencePG::load_state(const nets::SafeTensors& st, const std::string& path) {
  auto meta = [&](const std::string& k) -> const std::string& { return nets::required_metadata(st, k, path); };
  if (meta("agent") != "reinforce-lstm")
    throw CheckpointError("checkpoint '" + path + "' holds a '" + meta("agent") + "' agent, not reinforce-lstm");
  try {
    policy_.load_state(nets::tensors_with_prefix(st, "policy."));
    opt_->load_state(nets::optimizer_state_with_prefix(st, "optim."));
    updates_ = std::stol(meta("updates"));
    rng_.set_state(meta("rng"));
    episodes_ = TextEpisodes{};
    if (auto it = st.metadata.find("episodes"); it != st.metadata.end())
      episodes_.from_json(nlohmann::json::parse(it->second));
  } catch (const Error& e) {
    throw CheckpointError("reinforce-lstm checkpoint '" + path + "': " + e.what());
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("reinforce-lstm checkpoint '" + path + "': " + e.what());
  }
}

AgentSpec reinforce_lstm_agent_spec() {
  AgentSpec s;
  s.kind = "reinforce-lstm";
  s.name = "reinforce";
  s.data_parallel = "the LSTM policy (each rank its rows of the update's sequences)";
  s.summary = "REINFORCE on text envs: an LSTM generator as the policy (start it from an MLE generator)";
  s.spaces = kTokenSpaces;
  s.supports = acts_on_tokens;
  s.defaults = [](const std::string&, const std::string&) { return nlohmann::json(SequencePGConfig{}); };
  s.run_defaults = [](RunConfig& r, const std::string&, const std::string&) {
    r.total_steps = 300000;
    r.eval_every = 20000;
  };
  s.options = {{"emb", "/emb", "policy embedding width"},
               {"hidden", "/hidden", "policy LSTM width"},
               {"lr", "/lr", "LSTM policy Adam learning rate"},
               {"gamma", "/gamma", "discount over tokens (0 with per-step Monte-Carlo rewards)"},
               {"baseline", "/baseline", "mean or none"},
               {"episodes-per-update", "/episodes_per_update", "finished sequences per gradient step"},
               {"max-grad-norm", "/clip", "gradient clip (0 = off)"},
               {"init-checkpoint", "/init_checkpoint", "generator.safetensors to start the policy from (seqrl fit lm's OUT/generator.safetensors)"}};
  s.bind = [](nlohmann::json& c, const AgentContext& x) {
    c["seed"] = x.seed;
    c["env_id"] = x.env_id;
    c["env_options"] = x.env_options;
  };
  s.make = [](const env::Space& o, const env::Space& a, const nlohmann::json& j, bool restoring) -> std::unique_ptr<Agent> {
    SequencePGConfig c = j.get<SequencePGConfig>();
    if (restoring) c.init_checkpoint.clear();  // the checkpoint itself holds the weights
    return SequencePG::for_spaces(o, a, c);
  };
  return s;
}

}  // namespace seqrl::agents
