// The training loop: vector env stepping, transitions to the agent, evaluation and logging.
#include "seqrl/agents/runner.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "seqrl/env/registry.hpp"
#include "seqrl/env/vector_env.hpp"
#include "seqrl/env/wrappers.hpp"
#include "seqrl/nets/checkpoint.hpp"

namespace seqrl::agents {

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void make_dirs(const std::string& dir) {
  std::string cur;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
        throw IOError("cannot create directory '" + cur + "': " + std::strerror(errno));
    }
    if (i < dir.size()) cur.push_back(dir[i]);
  }
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

RunResult run(Agent& agent, const RunConfig& cfg, const nlohmann::json& config_json) {
  if (cfg.num_envs == 0) throw ValueError("RunConfig.num_envs must be positive");
  const auto& spec = env::spec(cfg.env_id);
  env::VectorEnv venv(
      [&] {
        return std::make_unique<env::RecordEpisodeStatistics>(env::make(cfg.env_id, cfg.env_options));
      },
      cfg.num_envs);
  std::ofstream csv, jsonl;
  if (!cfg.out_dir.empty()) {
    make_dirs(cfg.out_dir);
    csv.open(cfg.out_dir + "/metrics.csv");
    jsonl.open(cfg.out_dir + "/metrics.jsonl");
    if (!csv || !jsonl) throw IOError("cannot write metrics into '" + cfg.out_dir + "'");
    csv << "step,seconds,kind,value\n";
  }
  auto log = [&](long step, double secs, const std::string& kind, double value) {
    if (!csv.is_open()) return;
    csv << step << ',' << secs << ',' << kind << ',' << value << '\n';
    jsonl << nlohmann::json{{"step", step}, {"seconds", secs}, {kind, value}}.dump() << '\n';
  };
  const bool tty = cfg.progress && ::isatty(STDERR_FILENO);
  const double t0 = now_s();
  RunResult res;
  nets::Tensor obs = venv.reset(cfg.seed);
  std::vector<uint8_t> resetting(cfg.num_envs, 0);
  long step = 0, next_eval = cfg.eval_every > 0 ? cfg.eval_every : -1;
  double recent = NAN;
  while (step < cfg.total_steps) {
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
    for (size_t i = 0; i < cfg.num_envs; ++i) {
      t.valid[i] = !resetting[i];
      resetting[i] = t.terminated[i] || t.truncated[i];
      if (vs.infos[i].contains("episode")) {
        recent = vs.infos[i]["episode"]["r"].get<double>();
        log(step + long(i) + 1, now_s() - t0, "episode_return", recent);
      }
    }
    agent.observe(t);
    step += static_cast<long>(cfg.num_envs);
    for (auto& [k, v] : agent.update())
      if (k == "loss" && step % 1000 < long(cfg.num_envs)) log(step, now_s() - t0, k, v);
    obs = std::move(t.next_obs);
    if (next_eval > 0 && step >= next_eval && step < cfg.total_steps) {
      next_eval += cfg.eval_every;
      EvalResult ev = evaluate(agent, cfg.env_id, cfg.eval_episodes, cfg.seed + 1000000, cfg.env_options);
      res.eval_curve.emplace_back(step, ev.mean);
      log(step, now_s() - t0, "eval_return", ev.mean);
      if (cfg.stop_at_threshold && spec.reward_threshold && ev.mean >= *spec.reward_threshold) break;
    }
    if (tty && step % 2000 < long(cfg.num_envs)) {
      const double el = now_s() - t0;
      std::fprintf(stderr, "\r%ld/%ld steps  %.0f steps/s  recent return %.1f  ETA %.0f s   ", step,
                   cfg.total_steps, step / el, recent, (cfg.total_steps - step) / (step / el));
    }
  }
  if (tty) std::fprintf(stderr, "\n");
  res.steps = step;
  res.seconds = now_s() - t0;
  res.final_eval = evaluate(agent, cfg.env_id, cfg.final_eval_episodes, cfg.seed + 2000000, cfg.env_options);
  res.eval_curve.emplace_back(step, res.final_eval.mean);
  log(step, res.seconds, "eval_return", res.final_eval.mean);
  if (!cfg.out_dir.empty()) {
    nlohmann::json curve = nlohmann::json::array();
    for (auto& [s, m] : res.eval_curve) curve.push_back({s, m});
    nlohmann::json summary = {{"agent", agent.name()},
                              {"env", cfg.env_id},
                              {"seed", cfg.seed},
                              {"steps", res.steps},
                              {"wall_seconds", res.seconds},
                              {"final_eval", {{"episodes", res.final_eval.episodes},
                                              {"return_mean", res.final_eval.mean},
                                              {"return_std", res.final_eval.std}}},
                              {"eval_curve", curve},
                              {"config", config_json}};
    nets::write_file_atomic(cfg.out_dir + "/summary.json", summary.dump(1) + "\n");
  }
  return res;
}

}  // namespace seqrl::agents
