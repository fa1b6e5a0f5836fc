// `seqrl train`: any agent of the registry on any registered environment. Nothing here names an
// agent: the options, their defaults per env and the agent itself come from its AgentSpec.
#include <algorithm>
#include <fstream>
#include <set>

#include <boost/program_options.hpp>
#include <dirent.h>
#include <sys/stat.h>

#include "cli.hpp"
#include "cli_detail.hpp"
#include "seqrl/suite/suite_file.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/run_dir.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/text/data.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

namespace {
// The value of `--name V` / `--name=V` in args, else of `name = V` in the --config file, else def.
std::string prescan(const std::vector<std::string>& args, const std::string& name, const std::string& def) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--" + name && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind("--" + name + "=", 0) == 0) return args[i].substr(name.size() + 3);
  }
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != "--config") continue;
    std::ifstream f(args[i + 1]);
    for (std::string line; std::getline(f, line);) {
      const auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      auto trim = [](std::string s) {
        const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
      };
      if (trim(line.substr(0, eq)) == name) return trim(line.substr(eq + 1));
    }
  }
  return def;
}

nlohmann::json parse_env_options(const std::string& text, const std::string& cmd) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("seqrl " + cmd + ": --env-options is not JSON: " + std::string(e.what()));
  }
  require(j.is_object(), cmd, "--env-options must be a JSON object");
  return j;
}

// Every flag some registered agent declares: an option of another agent is named as such.
std::set<std::string> all_agent_flags() {
  std::set<std::string> f;
  for (const auto* s : agents::registered_agents())
    for (const auto& o : s->options) f.insert(o.flag);
  return f;
}
}  // namespace

TrainConfig parse_train(const std::vector<std::string>& args, bool* help, std::ostream* help_out) {
  TrainConfig c;
  if (!prescan(args, "resume", "").empty()) {
    // a resumed run keeps the configuration stored in its checkpoint
    po::options_description d("seqrl train --resume options (the run's configuration comes from the checkpoint)");
    d.add_options()("resume", po::value(&c.resume)->required(), "checkpoint.safetensors of the run to continue");
    po::variables_map vm;
    try {
      const bool h = parse_args("train", d, args, vm, help_out);
      if (help) *help = h;
    } catch (const ConfigError& e) {
      throw ConfigError(std::string(e.what()) +
                        "; --resume continues a run with the configuration stored in its "
                        "checkpoint and takes no other option");
    }
    return c;
  }
  c.agent = prescan(args, "agent", c.agent);
  const bool env_given = prescan(args, "env", "") != "";
  c.run.env_id = prescan(args, "env", c.run.env_id);
  const std::string env_options = prescan(args, "env-options", "{}");
  c.run.env_options = parse_env_options(env_options, "train");
  // `seqrl train --agent seqgan --help` (the command the option errors point to) used to fail on
  // the default env, CartPole: without --env, the help shows the defaults on the first registered
  // env the agent acts on (and says which)
  const bool help_asked = std::find(args.begin(), args.end(), "--help") != args.end() ||
                          std::find(args.begin(), args.end(), "-h") != args.end();
  const auto fits = [&](const std::string& id) {
    try {
      auto e = env::make(id, c.run.env_options);
      agents::agent_for(c.agent, e->observation_space(), e->action_space());
      return true;
    } catch (const Error&) {
      return false;  // not this one (or its data is absent)
    }
  };
  if (help_asked && !env_given && c.run.env_options.empty() && !fits(c.run.env_id))
    for (const auto& id : env::registered_ids())
      if (fits(id)) {
        c.run.env_id = id;
        break;
      }
  // the agent's kind depends on the env's spaces (dqn on a text env is dqn-lstm)
  std::unique_ptr<env::Env> probe;
  try {
    probe = env::make(c.run.env_id, c.run.env_options);
  } catch (const KeyError& e) {  // an unknown id or option key
    throw ConfigError("seqrl train: " + std::string(e.what()));
  } catch (const ValueError& e) {
    throw ConfigError("seqrl train: --env-options: " + std::string(e.what()));
  }
  const agents::AgentSpec* spec = nullptr;
  try {
    spec = &agents::agent_for(c.agent, probe->observation_space(), probe->action_space());
  } catch (const KeyError& e) {
    throw ConfigError("seqrl train: --agent: " + std::string(e.what()));
  } catch (const ValueError& e) {
    throw ConfigError("seqrl train: " + std::string(e.what()));
  }
  c.kind = spec->kind;
  if (!spec->preset_flag.empty()) c.preset = prescan(args, spec->preset_flag, spec->presets.at(0));
  c.agent_config = spec->defaults(c.run.env_id, c.preset);
  if (spec->run_defaults) spec->run_defaults(c.run, c.run.env_id, c.preset);

  po::options_description d("seqrl train options (defaults for --agent " + c.agent + " --env " + c.run.env_id + ")");
  std::string agent_name = c.agent, env_id = c.run.env_id, env_options_text = env_options, preset = c.preset;
  d.add_options()
      ("agent", po::value(&agent_name)->default_value(agent_name), ("agent: " + [] {
        std::string s;
        for (const auto& n : agents::agent_names()) s += (s.empty() ? "" : ", ") + n;
        return s;
      }() + " (seqrl list agents)").c_str())
      ("env", po::value(&env_id)->default_value(env_id), "registered environment id")
      ("env-options", po::value(&env_options_text)->default_value(env_options_text), "JSON object passed to the environment, e.g. {\"oracle\": \"DIR\"}")
      ("steps", po::value(&c.run.total_steps)->default_value(c.run.total_steps), "environment steps (0 = the agent's protocol length)")
      ("seed", po::value(&c.run.seed)->default_value(c.run.seed), "seed (sub-env i gets seed + i)")
      ("num-envs", po::value(&c.run.num_envs)->default_value(c.run.num_envs), "sub-envs stepping together")
      ("out", po::value(&c.run.out_dir)->default_value(c.run.out_dir), "output folder (metrics, summary.json, checkpoint)")
      ("eval-every", po::value(&c.run.eval_every)->default_value(c.run.eval_every), "steps between evaluations (0 = final only)")
      ("eval-episodes", po::value(&c.run.eval_episodes)->default_value(c.run.eval_episodes), "episodes per periodic evaluation")
      ("final-eval-episodes", po::value(&c.run.final_eval_episodes)->default_value(c.run.final_eval_episodes), "episodes of the final evaluation")
      ("stop-at-threshold", po::value(&c.run.stop_at_threshold)->default_value(c.run.stop_at_threshold), "stop when an evaluation reaches the env's reward threshold (0/1)")
      ("checkpoint-every", po::value(&c.run.checkpoint_every)->default_value(c.run.checkpoint_every), "steps between checkpoints to OUT/checkpoint.safetensors (0 = at the end and on Ctrl-C)")
      ("log-every", po::value(&c.run.log_every)->default_value(c.run.log_every), "steps between logged agent updates (0 = every update)")
      ("resume", po::value(&c.resume)->default_value(c.resume), "continue the run saved in this checkpoint (takes no other option)")
      ("overwrite", po::bool_switch(&c.overwrite), "start over in an --out folder that already holds a run (its checkpoint and summary are replaced)");
  if (!spec->preset_flag.empty()) {
    std::string list;
    for (const auto& p : spec->presets) list += (list.empty() ? "" : "|") + p;
    d.add_options()(spec->preset_flag.c_str(), po::value(&preset)->default_value(preset),
                    ("preset the options below start from: " + list).c_str());
  }
  po::options_description agent_opts("options of agent '" + c.agent + "' (" + spec->kind + ")");
  for (const auto& o : spec->options)
    agent_opts.add_options()(o.flag.c_str(),
                             po::value<std::string>()->default_value(agents::option_text(c.agent_config, o)),
                             o.help.c_str());
  d.add(agent_opts);
  po::variables_map vm;
  bool h = false;
  try {
    h = parse_args("train", d, args, vm, help_out);
  } catch (const ConfigError& e) {
    // an option of another agent: say so, naming this one
    const std::string msg = e.what();
    for (const auto& f : all_agent_flags())
      if (msg.find("unknown option --" + f + " ") != std::string::npos || msg.find("unknown key '" + f + "'") != std::string::npos) {
        std::string mine;
        for (const auto& o : spec->options) mine += (mine.empty() ? "--" : ", --") + o.flag;
        throw ConfigError("seqrl train: --" + f + " is not an option of agent '" + c.agent + "' (" + spec->kind +
                          "); its options: " + (mine.empty() ? std::string("none") : mine) +
                          " (see 'seqrl train --agent " + c.agent + " --help')");
      }
    throw;
  }
  if (help) *help = h;
  if (h) return c;
  for (const auto& o : spec->options)
    if (!vm[o.flag].defaulted()) {
      try {
        agents::set_option(*spec, c.agent_config, o.flag, vm[o.flag].as<std::string>());
      } catch (const ConfigError& e) {
        throw ConfigError("seqrl train: " + std::string(e.what()));
      }
    }
  require(c.run.total_steps > 0 || (c.run.total_steps == 0 && spec->protocol_steps), "train",
          "--steps must be positive");
  require(c.run.num_envs >= 1, "train", "--num-envs must be >= 1");
  require(c.run.checkpoint_every >= 0, "train", "--checkpoint-every must be >= 0");
  require(c.run.eval_every >= 0, "train", "--eval-every must be >= 0 (0: the final evaluation only)");
  require(c.run.eval_episodes >= 1, "train", "--eval-episodes must be >= 1");
  require(c.run.final_eval_episodes >= 1, "train", "--final-eval-episodes must be >= 1");
  require(c.run.checkpoint_every == 0 || !c.run.out_dir.empty(), "train",
          "--checkpoint-every needs --out DIR to write checkpoints into");
  if (c.run.total_steps == 0) {
    c.protocol_budget = true;
    c.run.total_steps = spec->protocol_steps(c.agent_config, probe->observation_space());
  }
  return c;
}

namespace {
// A checkpoint's run: its RunConfig, and the agent's kind and config (the agent's own metadata).
TrainConfig resumed_config(const std::string& path) {
  const nets::SafeTensors st = nets::load_safetensors(path);
  TrainConfig c;
  c.resume = path;
  c.run = agents::run_config_of(st, path);
  c.kind = nets::required_metadata(st, "agent", path);
  try {
    c.agent_config = nlohmann::json::parse(nets::required_metadata(st, "config", path));
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("checkpoint '" + path + "': its 'config' metadata is not JSON: " + e.what());
  }
  c.agent = agents::agent_kind(c.kind).name;
  c.run.resume = path;
  // the run goes on in the folder its checkpoint is in, where its metrics are, wherever it was
  // first started (a run folder moved or renamed since)
  if (!c.run.out_dir.empty()) c.run.out_dir = agents::dir_of(path);
  return c;
}
}  // namespace

namespace {
// A file's identity: its size and the FNV-1a hash of its bytes; a folder's: its entries', in name order.
std::string fingerprint(const std::string& path) {
  if (is_dir(path)) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(path.c_str())) {
      while (const dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') names.push_back(e->d_name);
      ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    uint64_t h = 1469598103934665603ull;
    for (const auto& n : names) {
      const std::string f = n + "=" + fingerprint(path + "/" + n) + ";";
      h = suite::fnv1a(f.data(), f.size(), h);
    }
    return std::to_string(names.size()) + " entries, fnv1a " + std::to_string(h);
  }
  std::ifstream f(path, std::ios::binary);
  uint64_t h = 1469598103934665603ull, size = 0;
  char buf[1 << 16];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) {
    h = suite::fnv1a(buf, size_t(f.gcount()), h);
    size += uint64_t(f.gcount());
  }
  return std::to_string(size) + " bytes, fnv1a " + std::to_string(h);
}

// the string values in j that name an existing file or folder (data sets, reward models, generators),
// also after a "NAME:" (a registered reward model's argument: "vae-elbo:PATH")
void paths_in(const nlohmann::json& j, std::set<std::string>& out) {
  if (j.is_string()) {
    struct stat st;
    const std::string v = j.get<std::string>();
    for (const std::string& p : {v, v.find(':') == std::string::npos ? std::string() : v.substr(v.find(':') + 1)})
      if (!p.empty() && ::stat(p.c_str(), &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) out.insert(p);
  } else if (j.is_structured()) {
    for (const auto& x : j) paths_in(x, out);
  }
}
}  // namespace

nlohmann::json run_record(const TrainConfig& c) {
  // the data read besides the options: files the options name, and for the text envs the data
  // folder their defaults read (SeqGAN's oracle, the COCO captions)
  std::set<std::string> paths;
  paths_in(c.run.env_options, paths);
  paths_in(c.agent_config, paths);
  if (c.run.env_id.rfind("Text", 0) == 0 && is_dir(text::data_dir())) paths.insert(text::data_dir());
  nlohmann::json data = nlohmann::json::object();
  for (const auto& p : paths) data[p] = fingerprint(p);
  return {{"agent", c.agent}, {"kind", c.kind}, {"preset", c.preset},
          {"env", c.run.env_id}, {"env_options", c.run.env_options},
          {"steps", c.run.total_steps}, {"seed", c.run.seed},
          {"num_envs", c.run.num_envs}, {"eval_every", c.run.eval_every},
          {"eval_episodes", c.run.eval_episodes}, {"final_eval_episodes", c.run.final_eval_episodes},
          {"stop_at_threshold", c.run.stop_at_threshold},
          {"agent_config", c.agent_config}, {"data", data}};
}

nlohmann::json requested_run_record(TrainConfig c) {
  const agents::AgentSpec& spec = agents::agent_kind(c.kind);
  agents::AgentContext ctx{c.run.env_id, c.run.env_options, c.run.seed, c.run.total_steps, c.run.num_envs,
                           c.protocol_budget};
  if (spec.bind) spec.bind(c.agent_config, ctx);
  return run_record(c);
}

int run_train(const TrainConfig& given, std::ostream& out, std::ostream& err) {
  const bool resuming = !given.resume.empty();
  TrainConfig c = resuming ? resumed_config(file_in_run_folder(given.resume, {"checkpoint.safetensors"}, "train"))
                           : given;
  // a run folder that holds a run is not started over by accident (the same command run again
  // without --resume replaced a finished run's checkpoint, metrics and summary); every rank
  // checks, before the ranks part
  if (!resuming && !c.overwrite) agents::refuse_to_overwrite_run(c.run.out_dir, "train");
  if (nets::dist::size() > 1) {
    // under MPI an agent splits what its spec says over the ranks (AgentSpec::data_parallel) and
    // repeats the rest on every rank (the same seeds, the same results); rank 0 alone writes the
    // run folder
    if (agents::agent_kind(c.kind).data_parallel.empty()) {
      std::vector<std::string> names;  // (kinds share names: dqn and dqn-lstm are both dqn)
      for (const agents::AgentSpec* s : agents::registered_agents())
        if (!s->data_parallel.empty() && std::find(names.begin(), names.end(), s->name) == names.end())
          names.push_back(s->name);
      std::string which;
      for (const std::string& n : names) which += (which.empty() ? "" : ", ") + n;
      throw ConfigError("seqrl train --agent " + c.agent + ": " + std::to_string(nets::dist::size()) +
                        " MPI ranks, but " + c.agent + " does not train data-parallel (agents that do: " + which +
                        "); train it as one process");
    }
    // (the others keep the checkpoint schedule: at each checkpoint every rank's state is compared)
    if (nets::dist::rank() != 0) c.run.out_dir.clear();
  }
  auto probe = env::make(c.run.env_id, c.run.env_options);
  const agents::AgentSpec& spec = agents::agent_kind(c.kind);
  std::unique_ptr<agents::Agent> agent;
  if (resuming) {
    // the stored config is already bound to its run; run() loads the agent's state
    agent = spec.make(probe->observation_space(), probe->action_space(), c.agent_config, /*restoring=*/true);
  } else {
    agents::AgentContext ctx{c.run.env_id, c.run.env_options, c.run.seed, c.run.total_steps, c.run.num_envs,
                             c.protocol_budget};
    if (spec.bind) spec.bind(c.agent_config, ctx);
    agent = spec.make(probe->observation_space(), probe->action_space(), c.agent_config, false);
  }
  const nlohmann::json cfg = run_record(c);
  agents::RunResult r;
  try {
    r = agents::run(*agent, c.run, cfg);
  } catch (const agents::Interrupted& e) {
    err << "seqrl train: " << e.what() << "\n";
    return 130;
  }
  if (r.interrupted) {
    const std::string why = agents::stop_reason();  // (empty on a rank that was stopped by another)
    err << "seqrl train: interrupted" << (why.empty() ? "" : " by " + why) << " at step " << r.steps
        << (r.checkpoint.empty() ? std::string("; no --out, so nothing was saved\n")
                                 : "; checkpoint saved, continue with: seqrl train --resume " +
                                       r.checkpoint + "\n");
    return 130;
  }
  out << nlohmann::json{{"agent", c.agent}, {"kind", c.kind}, {"env", c.run.env_id}, {"seed", c.run.seed},
                        {"steps", r.steps}, {"wall_seconds", r.seconds},
                        {"updates", agent->updates()},
                        {"final_eval_return_mean", r.final_eval.mean},
                        {"final_eval_return_std", r.final_eval.std},
                        {"final_eval_episodes", r.final_eval.episodes}}
             .dump()
      << "\n";
  return 0;
}

}  // namespace seqrl::cli
