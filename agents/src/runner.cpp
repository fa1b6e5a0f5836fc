// The training loop: vector env stepping, transitions to the agent, evaluation and logging.
#include "seqrl/agents/runner.hpp"
#include "seqrl/agents/run_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "seqrl/env/registry.hpp"
#include "seqrl/env/vector_env.hpp"
#include "seqrl/env/wrappers.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::agents {

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

EvalResult evaluate(Agent& agent, const std::string& env_id, int episodes, uint64_t seed,
                    const nlohmann::json& env_options) {
  auto e = env::make(env_id, env_options);
  std::vector<double> rets;
  for (int k = 0; k < episodes; ++k) {
    env::ResetResult r = e->reset(seed + k);
    nets::Tensor obs = r.observation;
    double ret = 0;
    for (;;) {
      nets::Shape s = nets::shape_of(obs);
      s.insert(s.begin(), 1);
      obs.reshape(s);
      env::StepResult st = e->step(agent.act(obs, true)[0]);
      ret += st.reward;
      if (st.terminated || st.truncated) break;
      obs = std::move(st.observation);
    }
    rets.push_back(ret);
  }
  EvalResult res;
  res.episodes = episodes;
  for (double v : rets) res.mean += v / episodes;
  for (double v : rets) res.std += (v - res.mean) * (v - res.mean) / episodes;
  res.std = std::sqrt(res.std);
  return res;
}

nlohmann::json run_config_json(const RunConfig& c) {
  return {{"env_id", c.env_id},
          {"env_options", c.env_options},
          {"total_steps", c.total_steps},
          {"seed", c.seed},
          {"num_envs", c.num_envs},
          {"eval_every", c.eval_every},
          {"eval_episodes", c.eval_episodes},
          {"final_eval_episodes", c.final_eval_episodes},
          {"stop_at_threshold", c.stop_at_threshold},
          {"out_dir", c.out_dir},
          {"checkpoint_every", c.checkpoint_every},
          {"log_every", c.log_every}};
}

RunConfig run_config_from_json(const nlohmann::json& j) {
  RunConfig c;
  try {
    c.env_id = j.at("env_id").get<std::string>();
    c.env_options = j.at("env_options");
    c.total_steps = j.at("total_steps").get<long>();
    c.seed = j.at("seed").get<uint64_t>();
    c.num_envs = j.at("num_envs").get<size_t>();
    c.eval_every = j.at("eval_every").get<long>();
    c.eval_episodes = j.at("eval_episodes").get<int>();
    c.final_eval_episodes = j.at("final_eval_episodes").get<int>();
    c.stop_at_threshold = j.at("stop_at_threshold").get<bool>();
    c.out_dir = j.at("out_dir").get<std::string>();
    c.checkpoint_every = j.at("checkpoint_every").get<long>();
    c.log_every = j.value("log_every", c.log_every);  // absent from older checkpoints
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("run configuration: ") + e.what());
  }
  return c;
}

RunConfig run_config_of(const nets::SafeTensors& st, const std::string& path) {
  const std::string& text = nets::required_metadata(st, "run.config", path);
  try {
    return run_config_from_json(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("checkpoint '" + path + "': its 'run.config' metadata is not JSON: " + e.what());
  } catch (const ConfigError& e) {
    throw CheckpointError("checkpoint '" + path + "': its 'run.config' metadata: " + e.what());
  }
}

namespace {
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
extern "C" void on_stop_signal(int sig) {
  g_signal.store(sig);
  g_stop.store(true);
}
constexpr int kStopSignals[2] = {SIGINT, SIGTERM};
}  // namespace

SigintStop::SigintStop(bool on) : on_(on) {
  g_stop.store(false);
  g_signal.store(0);
  if (!on_) return;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // a second signal gets the default (kill)
  auto* old = new struct sigaction[2];
  for (int k = 0; k < 2; ++k) ::sigaction(kStopSignals[k], &sa, &old[k]);
  old_ = old;
}

SigintStop::~SigintStop() {
  if (!on_) return;
  auto* old = static_cast<struct sigaction*>(old_);
  for (int k = 0; k < 2; ++k) ::sigaction(kStopSignals[k], &old[k], nullptr);
  delete[] old;
}

bool stop_requested() { return g_stop.load(); }

std::string stop_reason() {
  switch (g_signal.load()) {
    case SIGINT: return "SIGINT (Ctrl-C)";
    case SIGTERM: return "SIGTERM";
    default: return g_stop.load() ? "a stop request" : "";
  }
}

namespace {

nlohmann::json nan_to_null(double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }
}  // namespace

void request_stop() { g_stop.store(true); }

RunResult run(Agent& agent, const RunConfig& cfg, const nlohmann::json& config_json) {
  if (cfg.num_envs == 0) throw ValueError("RunConfig.num_envs must be positive");
  if (cfg.checkpoint_every < 0) throw ValueError("RunConfig.checkpoint_every must be >= 0");
  // (under MPI only rank 0 has the out_dir; the others keep the schedule to check their state)
  if (cfg.checkpoint_every > 0 && cfg.out_dir.empty() && nets::dist::size() == 1)
    throw ValueError("RunConfig.checkpoint_every needs an out_dir to write checkpoints into");
  const auto& spec = env::spec(cfg.env_id);
  env::VectorEnv venv(
      [&] {
        return std::make_unique<env::RecordEpisodeStatistics>(env::make(cfg.env_id, cfg.env_options));
      },
      cfg.num_envs);
  const std::string ckpt_path = cfg.out_dir.empty() ? "" : cfg.out_dir + "/checkpoint.safetensors";
  RunResult res;
  nets::Tensor obs;
  std::vector<uint8_t> resetting(cfg.num_envs, 0);
  long step = 0, next_eval = cfg.eval_every > 0 ? cfg.eval_every : -1;
  double recent = NAN, elapsed0 = 0;
  long last_metrics_log = -1;  // step of the last logged update (-1: none yet)
  RunDir rd(cfg.out_dir);
  long last_checkpoint_step = cfg.resume.empty() ? -1 : 0;  // resuming: set from the checkpoint below
  nlohmann::json resumed_state;
  if (cfg.resume.empty()) {
    obs = venv.reset(cfg.seed);
  } else {
    const nets::SafeTensors st = nets::load_safetensors(cfg.resume);
    const std::string& rs = nets::required_metadata(st, "run.state", cfg.resume);
    const RunConfig saved = run_config_of(st, cfg.resume);
    if (saved.env_id != cfg.env_id || saved.num_envs != cfg.num_envs || saved.seed != cfg.seed)
      throw CheckpointError("checkpoint '" + cfg.resume + "' is a run of " + saved.env_id + " with " +
                            std::to_string(saved.num_envs) + " envs and seed " +
                            std::to_string(saved.seed) + "; this run asks for " + cfg.env_id +
                            " with " + std::to_string(cfg.num_envs) + " and seed " +
                            std::to_string(cfg.seed));
    agent.load_state(st, cfg.resume);
    try {
      const nlohmann::json j = nlohmann::json::parse(rs);
      step = j.at("step").get<long>();
      next_eval = j.at("next_eval").get<long>();
      recent = j.at("recent").is_null() ? NAN : j.at("recent").get<double>();
      elapsed0 = j.at("seconds").get<double>();
      resetting = j.at("resetting").get<std::vector<uint8_t>>();
      for (auto& p : j.at("eval_curve")) res.eval_curve.emplace_back(p[0].get<long>(), p[1].get<double>());
      resumed_state = j;
      last_checkpoint_step = step;
      last_metrics_log = j.value("last_metrics_log", -1L);
      venv.set_state(j.at("venv"));
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError("checkpoint '" + cfg.resume + "': metadata 'run.state': " + e.what());
    }
    auto it = st.tensors.find("run.obs");
    if (it == st.tensors.end())
      throw CheckpointError("checkpoint '" + cfg.resume + "' has no 'run.obs' tensor");
    obs = it->second;
  }
  // resuming, the lines written after the checkpoint are dropped: the resumed run writes them again
  rd.open(cfg.resume.empty() ? nullptr : &resumed_state, cfg.resume);
  auto log = [&](long at, double secs, const std::string& name, double value) {
    rd.log(at, secs, Metrics{{name, value}});
  };
  const bool tty = cfg.progress && ::isatty(STDERR_FILENO);
  const double t0 = now_s() - elapsed0;
  // Under MPI every rank reaches each checkpoint: its agent's whole state is compared with rank
  // 0's (parameters, optimizer moments, random streams; a difference ends the job naming the
  // entry), and rank 0 writes it.
  auto write_checkpoint = [&] {
    nets::SafeTensors st;
    agent.save_state(st);
    nets::check_replica_state(st.tensors, st.metadata, "at the checkpoint of step " + std::to_string(step));
    if (ckpt_path.empty()) return;
    const nlohmann::json files = rd.state();
    st.tensors["run.obs"] = obs;
    nlohmann::json curve = nlohmann::json::array();
    for (auto& [s, m] : res.eval_curve) curve.push_back({s, m});
    const nlohmann::json rs = {{"step", step},
                               {"next_eval", next_eval},
                               {"recent", nan_to_null(recent)},
                               {"seconds", now_s() - t0},
                               {"resetting", resetting},
                               {"eval_curve", curve},
                               {"csv_bytes", files.at("csv_bytes")},
                               {"jsonl_bytes", files.at("jsonl_bytes")},
                               {"last_metrics_log", last_metrics_log},
                               {"venv", venv.get_state()}};
    st.metadata["run.state"] = rs.dump();
    st.metadata["run.config"] = run_config_json(cfg).dump();
    st.metadata["run.train_config"] = config_json.dump();
    nets::save_safetensors(ckpt_path, st.tensors, st.metadata);
    res.checkpoint = ckpt_path;
    last_checkpoint_step = step;
  };
  auto write_summary = [&] {
    if (cfg.out_dir.empty()) return;
    nlohmann::json curve = nlohmann::json::array();
    for (auto& [s, m] : res.eval_curve) curve.push_back({s, m});
    nlohmann::json final_eval = nullptr;
    if (!res.interrupted)
      final_eval = {{"episodes", res.final_eval.episodes},
                    {"return_mean", res.final_eval.mean},
                    {"return_std", res.final_eval.std}};
    nlohmann::json summary = {{"agent", agent.name()},
                              {"env", cfg.env_id},
                              {"seed", cfg.seed},
                              {"steps", res.steps},
                              {"wall_seconds", res.seconds},
                              {"interrupted", res.interrupted},
                              {"final_eval", final_eval},
                              {"eval_curve", curve},
                              {"config", config_json}};
    rd.write_summary(summary);
  };
  // whether checkpoints are written (by rank 0 under MPI): then every rank takes part in them
  const bool checkpoints = nets::dist::any(!ckpt_path.empty());
  if (nets::dist::size() > 1) {
    nets::SafeTensors st;
    agent.save_state(st);
    nets::check_replica_state(st.tensors, st.metadata, cfg.resume.empty() ? "at start-up" : "after resuming");
  }
  SigintStop guard(cfg.handle_sigint);
  long next_ckpt = cfg.checkpoint_every > 0 ? (step / cfg.checkpoint_every + 1) * cfg.checkpoint_every : -1;
  while (step < cfg.total_steps && !agent.done()) {
    std::vector<env::Action> actions = agent.act(obs, false);
    env::VectorStep vs = venv.step(actions);
    // The step's buffers move into the transitions (no copies on the hot path); the next
    // observation moves back into obs once the agent has seen it.
    Transitions t;
    t.obs = std::move(obs);
    t.next_obs = std::move(vs.observations);
    t.actions = std::move(actions);
    t.rewards = std::move(vs.rewards);
    t.terminated = std::move(vs.terminated);
    t.truncated = std::move(vs.truncated);
    t.valid.resize(cfg.num_envs);
    t.envs.resize(cfg.num_envs);
    for (size_t i = 0; i < cfg.num_envs; ++i) {
      t.envs[i] = &venv.env(i);
      t.valid[i] = !resetting[i];
      resetting[i] = t.terminated[i] || t.truncated[i];
      if (vs.infos[i].contains("episode")) {
        recent = vs.infos[i]["episode"]["r"].get<double>();
        log(step + long(i) + 1, now_s() - t0, "episode_return", recent);
      }
    }
    agent.observe(t);
    step += static_cast<long>(cfg.num_envs);
    Metrics m;
    try {
      m = agent.update();
      for (const auto& [k, v] : m)
        if (k.find("loss") != std::string::npos && !std::isfinite(v))
          throw NumericError("the update's '" + k + "' is " + std::to_string(v));
    } catch (const NumericError& e) {
      // stop before anything is written from the diverged state: the last checkpoint stays as it was
      throw NumericError(std::string(e.what()) + "; the run of " + agent.name() + " on " + cfg.env_id + " stopped at step " +
                         std::to_string(step) +
                         (last_checkpoint_step >= 0 ? "; its last checkpoint, '" + ckpt_path + "' (step " +
                                                          std::to_string(last_checkpoint_step) + "), is intact"
                                                    : "; no checkpoint had been written"));
    }
    if (!m.empty() && (last_metrics_log < 0 || step - last_metrics_log >= cfg.log_every)) {
      last_metrics_log = step;
      const double secs = now_s() - t0;
      rd.log(step, secs, m);  // one line: every figure of the update
    }
    obs = std::move(t.next_obs);
    bool solved = false;
    if (next_eval > 0 && step >= next_eval && step < cfg.total_steps) {
      next_eval += cfg.eval_every;
      EvalResult ev = evaluate(agent, cfg.env_id, cfg.eval_episodes, cfg.seed + 1000000, cfg.env_options);
      res.eval_curve.emplace_back(step, ev.mean);
      log(step, now_s() - t0, "eval_return", ev.mean);
      solved = cfg.stop_at_threshold && spec.reward_threshold && ev.mean >= *spec.reward_threshold;
    }
    if (tty && step % 2000 < long(cfg.num_envs)) {
      const double el = now_s() - t0;
      std::fprintf(stderr, "\r%ld/%ld steps  %.0f steps/s  recent return %.1f  ETA %.0f s   ", step,
                   cfg.total_steps, step / el, recent, (cfg.total_steps - step) / (step / el));
    }
    if (cfg.on_step) cfg.on_step(step);
    if (solved) break;
    if (next_ckpt > 0 && step >= next_ckpt) {
      next_ckpt += cfg.checkpoint_every;
      write_checkpoint();
    }
    // under MPI the ranks stop together, at the step where any of them was asked to
    if (nets::dist::any(g_stop.load())) {
      res.interrupted = true;
      break;
    }
  }
  if (tty) std::fprintf(stderr, "\n");
  res.steps = step;
  if (res.interrupted) {
    if (checkpoints) write_checkpoint();
    res.seconds = now_s() - t0;
    write_summary();
    return res;
  }
  // the final checkpoint comes before the final evaluation, which a resume from it repeats
  if (checkpoints) write_checkpoint();
  res.seconds = now_s() - t0;
  res.final_eval = evaluate(agent, cfg.env_id, cfg.final_eval_episodes, cfg.seed + 2000000, cfg.env_options);
  res.eval_curve.emplace_back(step, res.final_eval.mean);
  log(step, res.seconds, "eval_return", res.final_eval.mean);
  write_summary();
  return res;
}

}  // namespace seqrl::agents
