// `seqrl suite`: runs a benchmark suite (agents x envs x seeds x budgets) through `seqrl train`,
// resumably, and writes one report folder: results.csv and results.json (one row per run),
// stats.json and report.md (mean, median and IQM over seeds with 95% bootstrap CIs, normalised
// scores aggregated across envs), and report.html with the plots (suite/report.py, matplotlib).
// For runs on text envs whose agent has a generator, it sweeps the sampling temperature and
// records the quality-diversity pairs: NLL-oracle against NLL-test (the oracle task), BLEU
// against Self-BLEU (COCO), grammaticality against Self-BLEU (the grammar).
//
// The suite file (JSON; `seqrl suite --show NAME` prints a built-in one to start from):
//   {"name": "mine",
//    "seeds": [1, 2, 3],
//    "envs": {"CartPole-v1": {"steps": 50000}, "Acrobot-v1": {}},   // env -> its budget/options
//    "agents": ["dqn", "reinforce", "random"],                      // x every env that suits them
//    "runs": [{"agent": "seqgan", "env": "TextGrammar-v0", "steps": 0,
//              "options": {"pretrain-g-epochs": 10}, "env_options": {}, "seeds": [1]}],
//    "temperatures": [0.7, 1.0, 1.3],   // text: the quality-diversity sweep (1.0 is the table's)
//    "text_samples": 1000}              // text: samples per temperature (9984 = SeqGAN/Texygen's)
// An env entry may carry "steps", "env_options" and "options" (agent options for every agent on
// it). A run entry may carry a "label" (letters, digits, '-', '.'): its name in the report and its
// id, and the name other runs give it, as {"init-generator": "{run:mle-early-stop}"}. A matrix
// pair whose agent does not act on the env's spaces is skipped and listed.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include <boost/program_options.hpp>

#include "cli.hpp"
#include "cli_detail.hpp"
#include "seqrl/suite/report.hpp"
#include "seqrl/suite/suite_file.hpp"
#include "seqrl/agents/factory.hpp"
#include "seqrl/agents/random/random.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/seqgan/seqgan.hpp"
#include "seqrl/suite/stats.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/models/autoencoder.hpp"
#include "seqrl/text/data.hpp"
#include "seqrl/text/metrics.hpp"

#ifndef SEQRL_SOURCE_DIR
#define SEQRL_SOURCE_DIR "."
#endif
#ifndef SEQRL_DATA_INSTALL_DIR
#define SEQRL_DATA_INSTALL_DIR "/usr/local/share/seqrl"
#endif

namespace po = boost::program_options;
using nlohmann::json;

namespace seqrl::cli {

using namespace seqrl::suite;  // the suite file, its runs and the report (suite/)

namespace {

// ---- runs ----------------------------------------------------------------------------------

std::vector<std::string> train_args(const RunSpec& r, const std::string& dir) {
  std::vector<std::string> a = {"--agent", r.agent, "--env", r.env, "--env-options", r.env_options.dump(),
                                "--seed", std::to_string(r.seed), "--out", dir};
  if (r.steps >= 0) a.insert(a.end(), {"--steps", std::to_string(r.steps)});
  if (!r.preset.empty()) a.insert(a.end(), {"--protocol", r.preset});
  for (auto& [k, v] : r.options.items())
    a.insert(a.end(), {"--" + k, v.is_string() ? v.get<std::string>() : v.dump()});
  return a;
}

}  // namespace

int suite_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  // the source tree's plotting script, else the installed copy
  std::string name, out_dir, show, report_script = std::string(SEQRL_SOURCE_DIR) + "/suite/report.py";
  if (!exists(report_script) && exists(std::string(SEQRL_DATA_INSTALL_DIR) + "/report.py"))
    report_script = std::string(SEQRL_DATA_INSTALL_DIR) + "/report.py";
  bool report_only = false;
  po::options_description d("seqrl suite options (seqrl suite NAME|FILE --out DIR)");
  d.add_options()
      ("suite", po::value(&name)->default_value(name), "a built-in suite (quick, toy, text, paper) or a suite JSON file")
      ("out", po::value(&out_dir)->default_value(out_dir), "report folder (default runs/suite-NAME); a second run of the same command skips finished runs and resumes interrupted ones")
      ("show", po::value(&show)->default_value(show), "print a built-in suite's JSON and exit")
      ("report-only", po::bool_switch(&report_only), "write the report of what has finished, run nothing")
      ("report-script", po::value(&report_script)->default_value(report_script), "the plotting script (suite/report.py)");
  po::positional_options_description pos;
  std::vector<std::string> a = args;
  if (!a.empty() && a[0].rfind("--", 0) != 0) a.insert(a.begin(), "--suite");
  po::variables_map vm;
  if (parse_args("suite", d, a, vm, &out)) return 0;
  if (!show.empty()) {
    out << builtin_suite(show).dump(1) << "\n";
    return 0;
  }
  require(!name.empty(), "suite", "name a suite: seqrl suite quick|toy|text|paper|FILE.json");
  const bool builtin = name == "quick" || name == "toy" || name == "text" || name == "paper";
  const json suite = !builtin && exists(name) ? read_json(name) : builtin_suite(name);
  check_suite_file(suite, builtin ? "" : name);  // before anything reads it
  if (out_dir.empty()) out_dir = "runs/suite-" + slug(suite.value("name", std::string("suite")));
  std::vector<std::string> skipped;
  // the file's schema first (check_suite_file), then the agents x envs matrix: the pairs whose
  // agent acts on the env's spaces
  const auto acts_on = [](const std::string& agent, const std::string& env, const json& env_options) {
    auto probe = env::make(env, env_options);
    try {
      agents::agent_for(agent, probe->observation_space(), probe->action_space());
    } catch (const ValueError&) {
      return false;
    }
    return true;
  };
  const std::vector<RunSpec> runs = expand_suite(suite, acts_on, skipped, builtin ? "" : name);
  // every run's options are checked before any runs: a bad entry fails the suite up front
  for (const auto& r : runs) {
    try {
      RunSpec v = resolve_references(r, runs, out_dir, false);
      for (auto it = v.env_options.begin(); it != v.env_options.end();)  // not there yet: checked when it runs
        it = it.value().is_string() && has_reference(r) && r.env_options[it.key()] != it.value() ? v.env_options.erase(it) : std::next(it);
      parse_train(train_args(v, out_dir + "/runs/" + r.id));
    } catch (const Error& e) {
      const std::string what = e.what(), own = "seqrl suite: run " + r.id + ": ";
      throw ConfigError(what.rfind(own, 0) == 0 ? what : own + what);
    }
  }
  nets::make_dirs(out_dir + "/runs");
  // Under mpirun (nets/dist.hpp) the runs are farmed over the ranks: run i goes to rank i mod N,
  // runs that read another run's output (a reward model) go in a second round after every first
  // round run has finished, and rank 0 alone writes suite.json and the report. Each run is the
  // same computation wherever it runs, so the report equals a one-process report.
  const int rank = nets::dist::rank(), ranks = nets::dist::size();
  if (rank == 0) nets::write_file_atomic(out_dir + "/suite.json", suite.dump(1) + "\n");
  std::vector<size_t> order;
  if (ranks == 1) {
    for (size_t i = 0; i < runs.size(); ++i) order.push_back(i);
  } else {
    for (int round = 0; round < 2; ++round)
      for (size_t i = 0; i < runs.size(); ++i)
        if (has_reference(runs[i]) == (round == 1)) order.push_back(i);
  }
  const std::string who = ranks > 1 ? "rank " + std::to_string(rank) + ": " : "";
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  // ETA: each remaining run at its agent's measured seconds per step when it has a step budget,
  // else at its agent's mean seconds per run (the protocol's length); an agent not yet run, at the
  // mean seconds per run of every run so far (not per step: one agent's steps say nothing of
  // another's: an MLE epoch is hundreds of env steps' work). Resumed runs ran only part of their
  // time: they do not count.
  struct Rate {
    double seconds = 0;
    long steps = 0, runs = 0;
  };
  std::map<std::string, Rate> rate;  // agent -> what its whole runs took
  Rate all;
  int interrupted = 0;
  bool second_round = false;
  for (size_t k = 0; k < order.size() && !report_only; ++k) {
    const size_t i = order[k];
    const RunSpec& r = runs[i];
    if (ranks > 1 && has_reference(r) && !second_round) {
      // the runs it reads may be on other ranks: wait until every first-round run has finished
      // (as long as that takes: no watchdog here)
      nets::dist::Patient patient;
      interrupted = nets::dist::any(interrupted);
      second_round = true;
    }
    // (every rank goes through the whole order, so that all reach the same collectives)
    if (interrupted || (ranks > 1 && int(k % size_t(ranks)) != rank)) continue;
    // this rank runs this run alone: its training code (data-parallel under mpirun when run
    // directly) must not wait for ranks busy with other runs
    const nets::dist::Solo solo;
    const std::string dir = out_dir + "/runs/" + r.id;
    const std::string tag = who + "[" + std::to_string(i + 1) + "/" + std::to_string(runs.size()) + "] " + r.agent +
                            (r.label.empty() ? "" : " (" + r.label + ")") + " on " + r.env +
                            (r.env_options.empty() ? "" : " " + r.env_options.dump()) + ", seed " + std::to_string(r.seed);
    bool finished = false;
    json done;
    if (exists(dir + "/summary.json")) finished = !(done = read_summary(dir + "/summary.json")).is_null();
    // a run found in its folder is reused only when it is the run asked for: the same agent and
    // config, env and options, budget, seed, evaluation and data (run_record); a changed suite
    // file or data set must not report an old run under a new configuration
    if (finished || exists(dir + "/checkpoint.safetensors")) {
      const json want = requested_run_record(parse_train(train_args(resolve_references(r, runs, out_dir, true), dir)));
      json have;
      std::string from;
      if (finished) {
        have = done.value("config", json::object()), from = dir + "/summary.json";
      } else {
        const nets::SafeTensors st = nets::load_safetensors(dir + "/checkpoint.safetensors");
        from = dir + "/checkpoint.safetensors";
        try {
          have = json::parse(nets::required_metadata(st, "run.train_config", from));
        } catch (const json::exception& e) {
          throw ConfigError("seqrl suite: '" + from + "': metadata 'run.train_config' is not JSON: " + e.what());
        }
      }
      // the record with none of the run's own options: an option the stored record lacks (added
      // since) at its default is the behaviour the stored run had
      json defaults;
      try {
        RunSpec bare = resolve_references(r, runs, out_dir, true);
        bare.options = json::object(), bare.preset.clear();
        defaults = requested_run_record(parse_train(train_args(bare, dir)));
      } catch (const Error&) {
        // (an agent that cannot run without its options: every lacking key is a difference)
      }
      const std::string diff = record_differences(have, want, defaults);
      if (!diff.empty())
        throw ConfigError("seqrl suite: run " + r.id + ": its folder '" + dir + "' holds a run of another configuration (" +
                          from + "): " + diff + ". Delete that folder to run it as the suite now asks, or give "
                          "another --out");
    }
    if (finished) {
      err << tag + ": finished before, skipped\n" << std::flush;
    } else {
      std::ostringstream run_out, run_err;
      int rc = 0;
      const auto tr = clock::now();
      long steps = 0;
      if (exists(dir + "/checkpoint.safetensors")) {
        err << tag + ": resuming from its checkpoint\n" << std::flush;
        TrainConfig c;
        c.resume = dir + "/checkpoint.safetensors";
        rc = run_train(c, run_out, run_err);
      } else {
        TrainConfig c = parse_train(train_args(resolve_references(r, runs, out_dir, true), dir));
        c.overwrite = true;  // an unfinished run without a checkpoint starts over in its folder
        if (c.run.checkpoint_every == 0) c.run.checkpoint_every = std::max<long>(c.run.total_steps / 10, c.run.num_envs);
        c.run.progress = false;
        steps = c.run.total_steps;
        // one process: the line ends when the run does; under mpirun each rank writes whole lines,
        // each in one piece (the launcher interleaves the ranks' output as it arrives, so half a
        // line would be finished by another rank's text)
        err << tag + ": " + std::to_string(c.run.total_steps) + " steps" + (ranks > 1 ? ", started\n" : " ... ") << std::flush;
        rc = run_train(c, run_out, run_err);
      }
      const double secs = std::chrono::duration<double>(clock::now() - tr).count();
      if (rc == 130) {
        err << "\nseqrl suite: " << who << "interrupted during " << r.id << "; run the same command again to resume\n";
        interrupted = 1;
        continue;
      }
      if (rc != 0) {
        err << "\n" << run_err.str();
        throw Error("run " + r.id + " failed (exit " + std::to_string(rc) + ")");
      }
      if (steps > 0) {
        for (Rate* x : {&rate[r.agent], &all}) x->seconds += secs, x->steps += steps, ++x->runs;
      }
      double eta = 0;  // this rank's remaining runs
      for (size_t j = k + 1; j < order.size(); ++j) {
        if (ranks > 1 && int(j % size_t(ranks)) != rank) continue;
        const RunSpec& next = runs[order[j]];
        const auto it = rate.find(next.agent);
        if (it != rate.end())
          eta += next.steps > 0 ? it->second.seconds / double(it->second.steps) * double(next.steps)
                                : it->second.seconds / double(it->second.runs);
        else if (all.runs)
          eta += all.seconds / double(all.runs);
      }
      err << (ranks > 1 ? tag + ": " : std::string()) + "done in " + fixed(secs, 1) + " s" +
                 (steps > 0 ? " (" + fixed(steps / std::max(secs, 1e-9), 0) + " steps/s)" : std::string(" (resumed)")) +
                 "; suite ETA ~" + fixed(eta / 60.0, 1) + " min\n"
          << std::flush;
    }
    if (r.env.rfind("Text", 0) == 0 && !exists(dir + "/text_metrics.json")) {
      const json tm = text_metrics(dir + "/checkpoint.safetensors", resolve_references(r, runs, out_dir, true), suite);
      if (!tm.is_null()) nets::write_file_atomic(dir + "/text_metrics.json", tm.dump(1) + "\n");
    }
  }
  if (ranks > 1) {
    // every rank's runs are done (or every rank stopped): rank 0 writes the report
    nets::dist::Patient patient;  // the ranks wait here for the slowest one's runs
    interrupted = nets::dist::any(interrupted);
    if (rank != 0) return interrupted ? 130 : 0;
  }
  suite_report(out_dir, suite, runs, skipped);
  const double total = std::chrono::duration<double>(clock::now() - t0).count();
  // the plots and report.html (matplotlib); the tables above stand without them
  std::string plot_note;
  if (exists(report_script)) {
    const std::string py = exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";  // Debian's, with matplotlib
    const std::string cmd = py + " '" + report_script + "' '" + out_dir + "' >&2";
    if (std::system(cmd.c_str()) != 0) plot_note = " (report.html failed: see the message above)";
  } else {
    plot_note = " (no plots: " + report_script + " not found; pass --report-script)";
  }
  out << json{{"suite", suite.value("name", name)}, {"runs", runs.size()}, {"out", out_dir},
              {"report", out_dir + "/report.html"}, {"wall_seconds", total}, {"interrupted", bool(interrupted)},
              {"ranks", ranks}}
             .dump()
      << "\n";
  err << "seqrl suite: report in " << out_dir << "/report.md and " << out_dir << "/report.html" << plot_note << "\n";
  return interrupted ? 130 : 0;
}

}  // namespace seqrl::cli
