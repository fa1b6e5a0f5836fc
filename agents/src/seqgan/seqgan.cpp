// SeqGAN under the runner. See seqgan/seqgan.hpp.
#include "seqrl/agents/seqgan/seqgan.hpp"

#include <fstream>

#include "seqrl/agents/generator_file.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/text_policy.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/space.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::agents {

void to_json(nlohmann::json& j, const SeqGANAgentConfig& c) {
  j = {{"gan", c.gan}, {"init_generator", c.init_generator}, {"env_id", c.env_id},
       {"env_options", c.env_options}, {"samples", c.samples}, {"stop_after_batches", c.stop_after_batches}};
}

void from_json(const nlohmann::json& j, SeqGANAgentConfig& c) {
  if (j.contains("gan")) c.gan = j.at("gan").get<SeqGANConfig>();
  if (j.contains("init_generator")) c.init_generator = j.at("init_generator").get<std::string>();
  if (j.contains("env_id")) c.env_id = j.at("env_id").get<std::string>();
  if (j.contains("env_options")) c.env_options = j.at("env_options");
  if (j.contains("samples")) c.samples = j.at("samples").get<size_t>();
  if (j.contains("stop_after_batches")) c.stop_after_batches = j.at("stop_after_batches").get<size_t>();
}

std::string text_envs_with_data() {
  std::string ids;
  for (const auto& x : env::text_task_ids()) ids += (ids.empty() ? "" : ", ") + x;
  return ids;
}

bool acts_on_text(const env::Space& obs, const env::Space& act) {
  return dynamic_cast<const env::TokenSequence*>(&obs) && dynamic_cast<const env::Discrete*>(&act);
}

text::TextTask task_for_spaces(const std::string& who, const env::Space& obs, const env::Space& act,
                               const std::string& env_id, const nlohmann::json& env_options, size_t samples,
                               uint64_t seed) {
  const auto* ts = dynamic_cast<const env::TokenSequence*>(&obs);
  const auto* d = dynamic_cast<const env::Discrete*>(&act);
  if (!ts || !d)
    throw ValueError(who + " needs a text env with data behind it (" + text_envs_with_data() +
                     "): TokenSequence observations and Discrete actions, got " + obs.str() + " and " + act.str());
  text::TextTask task = env::text_task(env_id, env_options, samples, seed, who);
  const size_t T = task.real.shape()[1];
  if (size_t(ts->vocab) != task.vocab_size || ts->max_len != T || d->start != 0 ||
      size_t(d->size) != task.vocab_size)
    throw ValueError(who + ": the env's spaces (" + obs.str() + ", " + act.str() + ") do not match its task '" +
                     task.name + "' (vocabulary " + std::to_string(task.vocab_size) + ", length " +
                     std::to_string(T) + ")");
  return task;
}

std::unique_ptr<SeqGANAgent> SeqGANAgent::for_spaces(const env::Space& obs, const env::Space& act,
                                                     const SeqGANAgentConfig& cfg) {
  return std::make_unique<SeqGANAgent>(
      cfg, task_for_spaces("seqgan", obs, act, cfg.env_id, cfg.env_options, cfg.samples, cfg.gan.seed));
}

SeqGANAgent::SeqGANAgent(const SeqGANAgentConfig& c, text::TextTask task)
    : cfg(c), task_(std::move(task)) {
  gan_ = std::make_unique<SeqGAN>(cfg.gan, task_.real, task_.vocab_size, task_.oracle.get());
  if (!cfg.init_generator.empty()) {
    // loaded here, before the run writes anything, so that a file of another kind, or a generator
    // of other sizes, words, start or end, is refused up front (pretrain() then copies it into the
    // rollout network)
    load_generator_file(cfg.init_generator, gan_->gen, task_.vocab.get(), task_.eos, "seqgan --init-generator");
  }
}

void SeqGANAgent::pretrain() {
  if (pretrained_) return;
  double g_nll = 0, nll_oracle = -1, d_loss = 0;
  auto log = [&](const std::string& phase, long, const std::string& name, double v) {
    if (phase == "pretrain_g" && name == "train_nll") g_nll = v;
    if (phase == "pretrain_g" && name == "nll_oracle") nll_oracle = v;
    if (phase == "pretrain_d") d_loss = v;
  };
  if (cfg.init_generator.empty()) {
    gan_->pretrain_generator(log);
  } else {
    nets::hard_update(gan_->rollout, gan_->gen);  // G was loaded when the agent was made
  }
  gan_->pretrain_discriminator(log);
  // (no wall times among the figures: metrics are the same on every run of the same seed; the
  // metrics files' seconds column dates each line, the pre-training's end included)
  pending_ = {{"pretrain_d_loss", d_loss}};
  if (cfg.init_generator.empty()) pending_.push_back({"pretrain_g_train_nll", g_nll});
  if (task_.oracle) pending_.push_back({"pretrain_nll_oracle", nll_oracle >= 0 ? nll_oracle : gan_->nll_oracle()});
  pretrained_ = true;
  if (nets::dist::size() > 1) nets::check_replicas(replicated(), "after pre-training");
}

nets::NamedParams SeqGANAgent::replicated() const {
  nets::NamedParams ps;
  for (const auto& [prefix, mod] : {std::pair<const char*, const nets::Module*>{"generator.", &gan_->gen},
                                    {"rollout.", &gan_->rollout}, {"discriminator.", &gan_->disc}})
    for (auto& [n, v] : mod->named_parameters()) ps.push_back({prefix + n, v});
  return ps;
}

std::vector<env::Action> SeqGANAgent::act(const nets::Tensor& obs, bool deterministic) {
  pretrain();
  return next_tokens(gan_->gen, obs, deterministic, gan_->rng, "seqgan");
}

void SeqGANAgent::observe(const Transitions& t) { episodes_.observe(t); }

Metrics SeqGANAgent::update() {
  const size_t B = cfg.gan.batch, T = task_.real.shape()[1];
  Metrics m = std::move(pending_);
  pending_.clear();
  if (episodes_.finished.size() < B) return m;
  // the batch: the first B finished episodes, padded as the real data is (with the end token)
  std::vector<size_t> lengths;
  double ret = 0;
  const nets::IntTensor seqs = episodes_.take_batch(B, T, task_.eos >= 0 ? task_.eos : 0, lengths, ret);
  const double d_reward = gan_->g_step_on(seqs, &lengths);
  double d_loss = 0;
  for (size_t d = 0; d < cfg.gan.d_steps; ++d) d_loss = gan_->d_step(cfg.gan.d_epochs);
  ++batches_;
  if (nets::dist::size() > 1 && (batches_ == 1 || batches_ % 10 == 0))
    nets::check_replicas(replicated(), "after adversarial batch " + std::to_string(batches_));
  m.push_back({"d_reward", d_reward});
  m.push_back({"d_loss", d_loss});
  m.push_back({"train_return", ret});
  m.push_back({"adversarial_batches", double(batches_)});
  // every eval_every batches, and at the protocol's last one
  if (cfg.gan.eval_every && (batches_ % long(cfg.gan.eval_every) == 0 || batches_ == long(cfg.gan.total_batches))) {
    if (task_.oracle)
      m.push_back({"nll_oracle", gan_->nll_oracle()});
    else if (task_.held_out.size())
      m.push_back({"nll_test", gan_->nll_of(task_.held_out)});
  }
  return m;
}

void save_adversarial_state(nets::SafeTensors& out, const std::string& agent, const nlohmann::json& config,
                            long batches, bool pretrained, const TextEpisodes& episodes,
                            const std::function<void(nets::SafeTensors&)>& save_gan) {
  save_gan(out);
  auto& meta = out.metadata;
  meta["agent"] = agent;
  meta["config"] = config.dump();
  meta["adversarial_batches"] = std::to_string(batches);
  meta["pretrained"] = pretrained ? "1" : "0";
  meta["episodes"] = episodes.to_json().dump();
}

void load_adversarial_state(const nets::SafeTensors& st, const std::string& path, const std::string& agent,
                            long& batches, bool& pretrained, TextEpisodes& episodes,
                            const std::function<void()>& load_gan) {
  auto meta = [&](const std::string& k) -> const std::string& { return nets::required_metadata(st, k, path); };
  if (meta("agent") != agent)
    throw CheckpointError("checkpoint '" + path + "' holds a '" + meta("agent") + "' agent, not " + agent);
  try {
    load_gan();
    batches = std::stol(meta("adversarial_batches"));
    pretrained = meta("pretrained") == "1";
    episodes.from_json(nlohmann::json::parse(meta("episodes")));
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {  // seqrl errors, json errors, std::stol
    throw CheckpointError(agent + " checkpoint '" + path + "': " + e.what());
  }
}

void SeqGANAgent::save_state(nets::SafeTensors& out) const {
  save_adversarial_state(out, "seqgan", cfg, batches_, pretrained_, episodes_,
                         [&](nets::SafeTensors& o) { gan_->save_state(o.tensors, o.metadata, "gan."); });
}

void SeqGANAgent::load_state(const nets::SafeTensors& st, const std::string& path) {
  load_adversarial_state(st, path, "seqgan", batches_, pretrained_, episodes_,
                         [&] { gan_->load_state(st, "gan.", path); });
}

AgentSpec text_data_agent_spec(const std::string& kind, const std::string& summary, const std::string& data_parallel,
                               long total_steps) {
  AgentSpec s;
  s.kind = s.name = kind;
  s.summary = summary;
  s.data_parallel = data_parallel;
  s.spaces = "text envs with data behind them: " + text_envs_with_data();
  s.supports = acts_on_text;
  s.run_defaults = [total_steps](RunConfig& r, const std::string&, const std::string&) {
    r.total_steps = total_steps;
    r.num_envs = 64;
    r.log_every = 0;
    r.eval_every = 0;
    r.final_eval_episodes = 10;
  };
  return s;
}

AgentSpec seqgan_agent_spec() {
  // total steps 0: the protocol's adversarial batches (protocol_steps); each update is a whole batch
  AgentSpec s = text_data_agent_spec(
      "seqgan", "SeqGAN (Yu et al. 2017): LSTM generator, CNN discriminator, Monte-Carlo rollout rewards",
      "MLE pre-training, the policy-gradient step, the discriminator, the Monte-Carlo rollouts and the negatives", 0);
  s.preset_flag = "protocol";
  s.presets = {"fast", "paper", "reference"};
  s.defaults = [](const std::string&, const std::string& preset) {
    SeqGANAgentConfig c;
    try {
      c.gan = seqgan_protocol(preset.empty() ? "fast" : preset);
    } catch (const ConfigError& e) {
      throw ConfigError("--protocol: " + std::string(e.what()));
    }
    return nlohmann::json(c);
  };
  s.options = {{"init-generator", "/init_generator", "generator.safetensors to start G from, skipping MLE pre-training"},
               {"pretrain-g-epochs", "/gan/pretrain_g_epochs", "MLE pre-training epochs"},
               {"pretrain-d-rounds", "/gan/pretrain_d_rounds", "discriminator pre-training rounds"},
               {"total-batches", "/gan/total_batches", "adversarial batches of the protocol (what --steps 0 runs)"},
               {"init-std", "/gan/init_std", "generator init N(0, s) (SeqGAN: 0.1; 0 = the layers' defaults)"},
               {"eval-samples", "/gan/eval_samples", "generator samples per NLL-oracle figure (SeqGAN: 9,984)"},
               {"rollouts", "/gan/rollouts", "Monte-Carlo rollouts per prefix"},
               {"rollout-update-rate", "/gan/rollout_update_rate",
                "rollout network theta <- r theta + (1 - r) theta_G after each g-step (0: the current G, as SeqGAN's code does)"},
               {"d-steps", "/gan/d_steps", "d-steps after each g-step"},
               {"d-epochs", "/gan/d_epochs", "passes over real + negatives per d-step"},
               {"negatives", "/gan/negatives", "negatives per d-step (0 = as many as real sequences)"},
               {"nll-every", "/gan/eval_every", "g-steps between NLL-oracle (or NLL-test) figures (0 = never)"},
               {"samples", "/samples", "real sequences drawn from the oracle or the grammar"}};
  s.bind = [](nlohmann::json& c, const AgentContext& x) {
    c["gan"]["seed"] = x.seed;
    c["env_id"] = x.env_id;
    c["env_options"] = x.env_options;
    c["stop_after_batches"] = x.protocol_budget ? c["gan"]["total_batches"].get<size_t>() : size_t(0);
  };
  s.make = [](const env::Space& o, const env::Space& a, const nlohmann::json& j, bool restoring) -> std::unique_ptr<Agent> {
    SeqGANAgentConfig c = j.get<SeqGANAgentConfig>();
    if (restoring) c.init_generator.clear();  // the checkpoint itself holds the weights
    return SeqGANAgent::for_spaces(o, a, c);
  };
  s.protocol_steps = [](const nlohmann::json& j, const env::Space& o) {
    // the protocol's adversarial batches: `batch` episodes of T tokens each, plus the vector
    // env's reset step after each (next-step autoreset). An upper bound: episodes that end early
    // at <eos> (COCO, the grammar) fill it with more batches, so under --steps 0 the agent also
    // ends the run after total_batches g-steps (stop_after_batches, done()).
    const SeqGANAgentConfig c = j.get<SeqGANAgentConfig>();
    const auto& ts = dynamic_cast<const env::TokenSequence&>(o);
    return long(c.gan.total_batches * c.gan.batch * (ts.max_len + 1));
  };
  return s;
}

}  // namespace seqrl::agents
