// MLE under the runner. See mle/mle.hpp.
#include "seqrl/agents/mle/mle.hpp"

#include <algorithm>

#include "early_stopping.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/seqgan/seqgan.hpp"
#include "seqrl/agents/text_policy.hpp"
#include "seqrl/env/space.hpp"
#include "seqrl/nets/checkpoint.hpp"

namespace seqrl::agents {

namespace {
nets::LSTMGeneratorConfig gen_config(const MLEAgentConfig& c, const text::TextTask& task) {
  nets::LSTMGeneratorConfig g;
  g.vocab = task.vocab_size;
  g.emb = c.emb;
  g.hidden = c.hidden;
  g.seq_len = task.real.shape()[1];
  g.init_std = c.init_std;
  return g;
}
}  // namespace

std::unique_ptr<MLEAgent> MLEAgent::for_spaces(const env::Space& obs, const env::Space& act,
                                               const MLEAgentConfig& cfg) {
  text::TextTask task = task_for_spaces("mle", obs, act, cfg.env_id, cfg.env_options, cfg.samples, cfg.seed);
  if (cfg.batch == 0 || cfg.batch > task.real.shape()[0])
    throw ValueError("mle: batch " + std::to_string(cfg.batch) + " does not fit " +
                     std::to_string(task.real.shape()[0]) + " training sequences");
  return std::make_unique<MLEAgent>(cfg, std::move(task));
}

MLEAgent::MLEAgent(const MLEAgentConfig& c, text::TextTask task)
    : cfg(c), task_(std::move(task)), rng_(c.seed), gen_(gen_config(c, task_), rng_) {}

void MLEAgent::fit() {
  if (fitted_) return;
  MLEConfig m;
  m.lr = cfg.lr;
  m.clip = cfg.clip;
  m.batch = cfg.batch;
  m.seed = cfg.seed + 1;
  MLETrainer trainer(gen_, m);
  const size_t N = task_.real.shape()[0];
  const size_t V = std::min(cfg.validation, N / 10);  // at most a tenth of the data
  if (V && N - V < cfg.batch)
    throw ValueError("mle: validation " + std::to_string(V) + " of " + std::to_string(N) +
                     " sequences leaves less than a batch to fit");
  const nets::IntTensor train = V ? nets::row_slice(task_.real, 0, N - V) : task_.real;
  const nets::IntTensor val = V ? nets::row_slice(task_.real, N - V, N) : nets::IntTensor();
  nets::SafeTensors best;  // the best epoch's generator, to go back to
  detail::EarlyStopping early(
      cfg.patience,
      [&] {
        best = nets::SafeTensors();
        nets::add_module_state(gen_, "", best.tensors);
      },
      [&] { nets::load_module_state(gen_, best, "", "<mle's best epoch>"); });
  double nll = 0;
  for (size_t e = 1; e <= cfg.epochs; ++e) {
    nll = trainer.epoch(train);
    if (!V) continue;
    nets::NoGrad ng;
    if (early.observe(gen_.nll(val).item(), e)) break;
  }
  early.restore_best();  // back to the best epoch
  updates_ = trainer.updates();
  pending_ = {{"train_nll", nll}};
  if (V) pending_.push_back({"best_epoch", double(early.best_epoch())}), pending_.push_back({"validation_nll", early.best()});
  nets::Rng eval_rng(cfg.seed + 11);
  if (task_.oracle) pending_.push_back({"nll_oracle", task_.oracle->nll(gen_.sample(9984, eval_rng))});
  if (task_.held_out.size()) {
    nets::NoGrad ng;
    pending_.push_back({"nll_test", gen_.nll(task_.held_out).item()});
  }
  fitted_ = true;
}

std::vector<env::Action> MLEAgent::act(const nets::Tensor& obs, bool deterministic) {
  fit();
  return next_tokens(gen_, obs, deterministic, rng_, "mle");
}

Metrics MLEAgent::update() {
  Metrics m = std::move(pending_);
  pending_.clear();
  return m;
}

void MLEAgent::save_state(nets::SafeTensors& out) const {
  nets::add_module_state(gen_, "gen.", out.tensors);
  out.metadata["agent"] = "mle";
  out.metadata["config"] = nlohmann::json(cfg).dump();
  out.metadata["rng"] = rng_.state();
  out.metadata["fitted"] = fitted_ ? "1" : "0";
  out.metadata["updates"] = std::to_string(updates_);
}

void MLEAgent::load_state(const nets::SafeTensors& st, const std::string& path) {
  auto meta = [&](const std::string& k) -> const std::string& { return nets::required_metadata(st, k, path); };
  if (meta("agent") != "mle")
    throw CheckpointError("checkpoint '" + path + "' holds a '" + meta("agent") + "' agent, not mle");
  nets::load_module_state(gen_, st, "gen.", path);
  rng_.set_state(meta("rng"));
  fitted_ = meta("fitted") == "1";
  try {
    updates_ = std::stol(meta("updates"));
  } catch (const std::exception&) {
    throw CheckpointError("mle checkpoint '" + path + "': metadata 'updates' is not a number");
  }
}

AgentSpec mle_agent_spec() {
  // steps: one batch of episodes; the fit is all the learning there is
  AgentSpec s = text_data_agent_spec("mle", "maximum likelihood: an LSTM generator fitted to the env's task data, then sampled",
                                     "the language model (each rank its rows of a batch)", 64 * 21);
  s.defaults = [](const std::string&, const std::string&) { return nlohmann::json(MLEAgentConfig{}); };
  s.options = {{"emb", "/emb", "generator embedding width"},
               {"hidden", "/hidden", "generator LSTM width"},
               {"init-std", "/init_std", "N(0, s) initialisation (SeqGAN: 0.1; 0 = the layers' defaults)"},
               {"lr", "/lr", "Adam learning rate"},
               {"max-grad-norm", "/clip", "gradient clip (0 = off)"},
               {"batch", "/batch", "sequences per update"},
               {"epochs", "/epochs", "MLE passes over the task's training data (at most, with --validation)"},
               {"validation", "/validation", "training sequences held out for early stopping (at most a tenth; 0 = off)"},
               {"patience", "/patience", "epochs without a better validation NLL before the fit ends at its best epoch"},
               {"samples", "/samples", "real sequences drawn from the oracle or the grammar"}};
  s.bind = [](nlohmann::json& c, const AgentContext& x) {
    c["seed"] = x.seed;
    c["env_id"] = x.env_id;
    c["env_options"] = x.env_options;
  };
  s.make = [](const env::Space& o, const env::Space& a, const nlohmann::json& j, bool) -> std::unique_ptr<Agent> {
    return MLEAgent::for_spaces(o, a, j.get<MLEAgentConfig>());
  };
  return s;
}

}  // namespace seqrl::agents
