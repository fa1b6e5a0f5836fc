// `seqrl eval` and `seqrl rollout`: a saved agent (or a random policy) in an environment.
#include <chrono>

#include <nlohmann/json.hpp>

#include "cli_detail.hpp"
#include "seqrl/agents/factory.hpp"
#include "seqrl/agents/random/random.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/nets/checkpoint.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

namespace {
struct EvalConfig {
  std::string checkpoint, env_id = "CartPole-v1", out;
  nlohmann::json env_options = nlohmann::json::object();
  // given on the command line; otherwise a seqrl train checkpoint's own env (and options) serve
  bool env_given = false, env_options_given = false;
  std::string policy;  // rollout only: "random" instead of a checkpoint
  int episodes = 100;
  uint64_t seed = 1;
  bool deterministic = true;
};

EvalConfig parse_eval(const std::string& cmd, const std::vector<std::string>& args, bool* help,
                      std::ostream* help_out) {
  EvalConfig c;
  if (cmd == "rollout") c.episodes = 1;
  std::string env_options;
  po::options_description d("seqrl " + cmd + " options");
  d.add_options()
      ("checkpoint", po::value(&c.checkpoint)->default_value(c.checkpoint), "a saved agent (checkpoint.safetensors, or the run folder holding it)")
      ("env", po::value(&c.env_id)->default_value(c.env_id), "registered environment id (default: a seqrl train checkpoint's own env, else CartPole-v1)")
      ("env-options", po::value(&env_options)->default_value(env_options), "JSON object passed to the environment (default: the checkpoint's run's, when --env is its env)")
      ("episodes", po::value(&c.episodes)->default_value(c.episodes), "episodes to run")
      ("seed", po::value(&c.seed)->default_value(c.seed), "seed of the first episode (then seed + 1, ...)")
      ("out", po::value(&c.out)->default_value(c.out),
       cmd == "rollout" ? "JSON-lines file to write" : "folder for summary.json (empty = none)");
  if (cmd == "rollout")
    d.add_options()
        ("policy", po::value(&c.policy)->default_value(c.policy), "'random' instead of a checkpoint")
        ("deterministic", po::value(&c.deterministic)->default_value(c.deterministic), "greedy/mean actions of the checkpoint's agent (0/1)");
  po::variables_map vm;
  *help = parse_args(cmd, d, args, vm, help_out);
  if (*help) return c;
  require(c.episodes >= 1, cmd, "--episodes must be >= 1");
  require(c.policy.empty() || c.policy == "random", cmd, "unknown --policy '" + c.policy + "' (known: random)");
  require(!c.checkpoint.empty() || c.policy == "random", cmd,
          cmd == "rollout" ? "give --checkpoint F or --policy random" : "give --checkpoint F");
  require(cmd != "rollout" || !c.out.empty(), cmd, "give --out FILE for the trajectory");
  if (!c.checkpoint.empty()) c.checkpoint = file_in_run_folder(c.checkpoint, {"checkpoint.safetensors"}, cmd);
  if (!env_options.empty()) {
    try {
      c.env_options = nlohmann::json::parse(env_options);
    } catch (const nlohmann::json::exception& e) {
      throw ConfigError("seqrl " + cmd + ": --env-options is not JSON: " + std::string(e.what()));
    }
    require(c.env_options.is_object(), cmd, "--env-options must be a JSON object");
  }
  c.env_given = !vm["env"].defaulted();
  c.env_options_given = !env_options.empty();
  env::spec(c.env_id);
  return c;
}

// The env and the agent of an eval or rollout, the checkpoint read once. A seqrl train
// checkpoint names the env it was trained on (and its options): by default the agent runs
// there, not in CartPole.
std::pair<std::unique_ptr<env::Env>, std::unique_ptr<agents::Agent>> env_and_agent(EvalConfig& c) {
  if (c.policy == "random") {
    auto e = env::make(c.env_id, c.env_options);
    auto a = std::make_unique<agents::RandomAgent>(e->action_space(), c.seed);
    return {std::move(e), std::move(a)};
  }
  const nets::SafeTensors st = nets::load_safetensors(c.checkpoint);
  std::string trained_on;  // the checkpoint's env, when it is not the one asked for
  if (st.metadata.count("run.config")) {
    const agents::RunConfig run = agents::run_config_of(st, c.checkpoint);
    if (!c.env_given) c.env_id = run.env_id;
    if (!c.env_options_given && c.env_id == run.env_id) c.env_options = run.env_options;
    if (c.env_id != run.env_id || c.env_options != run.env_options)
      trained_on = run.env_id + (run.env_options.empty() ? "" : " " + run.env_options.dump());
  }
  auto e = env::make(c.env_id, c.env_options);
  try {
    auto a = agents::load_agent(st, c.checkpoint, e->observation_space(), e->action_space());
    return {std::move(e), std::move(a)};
  } catch (const Error& err) {
    if (trained_on.empty()) throw;
    // say why before the detail (a tensor of the wrong size says little on its own)
    throw CheckpointError("checkpoint '" + c.checkpoint + "' was trained on " + trained_on +
                          "; its agent does not fit --env " + c.env_id + " (observations " +
                          e->observation_space().str() + ", actions " + e->action_space().str() + "): " + err.what());
  }
}

int run_eval(EvalConfig c, std::ostream& out) {
  auto [probe, agent] = env_and_agent(c);
  const auto t0 = std::chrono::steady_clock::now();
  agents::EvalResult r = agents::evaluate(*agent, c.env_id, c.episodes, c.seed, c.env_options);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json summary = {{"agent", agent->name()}, {"env", c.env_id}, {"env_options", c.env_options},
                            {"seed", c.seed}, {"steps", 0}, {"wall_seconds", secs},
                            {"final_eval", {{"episodes", r.episodes}, {"return_mean", r.mean},
                                            {"return_std", r.std}}},
                            {"config", {{"checkpoint", c.checkpoint}, {"deterministic", true}}}};
  if (!c.out.empty()) {
    nets::make_dirs(c.out);
    nets::write_file_atomic(c.out + "/summary.json", summary.dump(1) + "\n");
  }
  out << summary.dump() << "\n";
  return 0;
}

int run_rollout(EvalConfig c, std::ostream& out) {
  auto [e, agent] = env_and_agent(c);
  std::string lines;
  long steps = 0;
  auto to_json = [](const nets::Tensor& t) { return std::vector<float>(t.begin(), t.end()); };
  for (int k = 0; k < c.episodes; ++k) {
    nets::Tensor obs = e->reset(c.seed + k).observation;
    for (int t = 0;; ++t) {
      nets::Tensor batch = obs;
      nets::Shape s = nets::shape_of(obs);
      s.insert(s.begin(), 1);
      batch.reshape(s);
      env::Action a = agent->act(batch, c.deterministic && c.policy.empty())[0];
      env::StepResult r = e->step(a);
      nlohmann::json line = {{"episode", k}, {"t", t}, {"observation", to_json(obs)},
                             {"reward", r.reward}, {"terminated", r.terminated},
                             {"truncated", r.truncated}, {"next_observation", to_json(r.observation)}};
      if (a.discrete) line["action"] = a.index;
      else line["action"] = to_json(a.value);
      lines += line.dump() + "\n";
      ++steps;
      if (r.terminated || r.truncated) break;
      obs = std::move(r.observation);
    }
  }
  nets::write_file_atomic(c.out, lines);
  out << nlohmann::json{{"env", c.env_id}, {"episodes", c.episodes}, {"steps", steps}, {"out", c.out}}.dump() << "\n";
  return 0;
}
}  // namespace

int eval_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  bool help = false;
  EvalConfig c = parse_eval("eval", args, &help, &out);
  return help ? 0 : run_eval(c, out);
}

int rollout_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  bool help = false;
  EvalConfig c = parse_eval("rollout", args, &help, &out);
  return help ? 0 : run_rollout(c, out);
}

}  // namespace seqrl::cli
