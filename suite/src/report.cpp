// The suite's reading and reporting half: built-in suites, run summaries and records, the text
// metrics of a finished run's generator, random baselines and the report (see report.hpp).
#include "seqrl/suite/report.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "seqrl/agents/factory.hpp"
#include "seqrl/agents/random/random.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/agents/seqgan/seqgan.hpp"
#include "seqrl/nets/config_diff.hpp"
#include "seqrl/suite/stats.hpp"
#include "seqrl/suite/suite_file.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/error.hpp"
#include "seqrl/nets/models/autoencoder.hpp"
#include "seqrl/text/data.hpp"
#include "seqrl/text/metric_table.hpp"
#include "seqrl/text/metrics.hpp"

using nlohmann::json;

namespace seqrl::suite {

std::string fixed(double v, int prec) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(prec) << v;
  return s.str();
}


json read_json(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw IOError("cannot read '" + path + "'");
  try {
    return json::parse(f);
  } catch (const json::exception& e) {
    throw ConfigError("seqrl suite: '" + path + "' is not JSON: " + e.what());
  }
}

// A run's summary.json as the suite reads it: null when the run has not finished (interrupted,
// or no final evaluation yet), else the summary, its fields checked. A damaged file (hand-edited,
// another version's) is a ConfigError naming it, not a JSON library error naming nothing.
json read_summary(const std::string& path) {
  const json s = read_json(path);
  const std::string why = [&]() -> std::string {
    if (!s.is_object()) return "it is not a JSON object";
    if (s.contains("interrupted") && !s["interrupted"].is_boolean()) return "\"interrupted\" is not true or false";
    if (!s.contains("final_eval") || s["final_eval"].is_null()) return "";
    const json& f = s["final_eval"];
    if (!f.is_object() || !f.contains("return_mean") || !f["return_mean"].is_number() || !f.contains("episodes") ||
        !f["episodes"].is_number_integer())
      return "\"final_eval\" is not an object with a numeric \"return_mean\" and \"episodes\"";
    if (!s.contains("steps") || !s["steps"].is_number()) return "\"steps\" is not a number";
    if (s.contains("wall_seconds") && !s["wall_seconds"].is_number()) return "\"wall_seconds\" is not a number";
    if (s.contains("config") && !s["config"].is_object()) return "\"config\" is not an object";
    if (s.contains("config") && s["config"].contains("kind") && !s["config"]["kind"].is_string())
      return "\"config.kind\" is not a string";
    if (s.contains("eval_curve") && !s["eval_curve"].is_array()) return "\"eval_curve\" is not a list";
    return "";
  }();
  if (!why.empty())
    throw ConfigError("seqrl suite: '" + path + "' is not a run summary (" + why +
                      "); delete its run folder to run it again");
  if (s.value("interrupted", false) || !s.contains("final_eval") || s["final_eval"].is_null()) return json();
  return s;
}

// The differences between a stored run record (summary.json's "config") and the one asked for,
// as "steps 2000 -> 6000; agent_config.gamma 0.99 -> 0.5" (at most 6), "" when none. Records of
// runs made before the data's identity and the evaluation settings were recorded lack those
// keys: what a record lacks is not compared.
std::string record_differences(const json& have, const json& want, const json& defaults) {
  // a part of the record (a top-level key) the stored one lacks altogether is not compared
  auto top = [](const std::string& k) { return k.substr(0, k.find('.')); };
  std::vector<nets::ConfigDifference> diffs;
  for (auto& d : nets::config_differences(have, want, defaults))
    if (d.stored != nets::kNoSetting || (have.is_object() && have.contains(top(d.key)))) diffs.push_back(std::move(d));
  return nets::describe(diffs);
}

// ---- the built-in suites -------------------------------------------------------------------

json builtin_suite(const std::string& name) {
  const json temps = {0.7, 1.0, 1.3};
  if (name == "quick") {
    // every agent on CartPole-v1, another classic env (Acrobot), a toy task (FrozenLake) and two
    // text tasks (the caption grammar, a small random oracle), 3 seeds, budgets for about ten
    // minutes on 2 cores. Budgets are per run: DQN and REINFORCE get their tuned defaults per env.
    json runs = json::array();
    auto add = [&](const char* agent, const char* env, long steps, json eo = json::object(), json opts = json::object()) {
      runs.push_back({{"agent", agent}, {"env", env}, {"steps", steps}, {"env_options", eo}, {"options", opts}});
    };
    const json every10k = {{"eval-every", 10000}};
    add("dqn", "CartPole-v1", 50000);
    add("reinforce", "CartPole-v1", 200000, json::object(), every10k);
    add("random", "CartPole-v1", 10000);
    add("dqn", "Acrobot-v1", 100000, json::object(), every10k);
    add("reinforce", "Acrobot-v1", 200000, json::object(), every10k);
    add("random", "Acrobot-v1", 10000);
    const json fl = {{"is_slippery", false}};
    add("dqn", "FrozenLake-v1", 50000, fl, {{"eval-every", 5000}, {"learning-starts", 1000}, {"exploration-fraction", 0.3}});
    add("reinforce", "FrozenLake-v1", 50000, fl, {{"eval-every", 5000}});
    add("random", "FrozenLake-v1", 5000, fl);
    // PPO and A2C with rl-zoo's settings per env (their n_envs; Acrobot at a fifth of rl-zoo's 1M)
    for (const char* a : {"ppo", "a2c"}) {
      add(a, "CartPole-v1", 100000);
      add(a, "Acrobot-v1", 200000, json::object(), every10k);
      add(a, "FrozenLake-v1", 50000, fl, {{"eval-every", 5000}});
    }
    const json small = {{"vocab", 500}, {"seq_len", 10}};
    for (const auto& [env, eo] : std::vector<std::pair<const char*, json>>{{"TextGrammar-v0", json::object()}, {"TextOracle-v0", small}}) {
      add("mle", env, 64 * 21, eo, {{"epochs", 30}, {"samples", 5000}});
      add("seqgan", env, 64 * 17 * 10, eo,
          {{"pretrain-g-epochs", 30}, {"pretrain-d-rounds", 3}, {"rollouts", 8}, {"negatives", 2000}, {"samples", 5000}});
      add("leakgan", env, 64 * 17 * 8, eo,
          {{"pretrain-rounds", 3}, {"pretrain-g-epochs", 10}, {"pretrain-d-rounds", 1}, {"negatives", 2000}, {"samples", 5000}});
      add("reinforce", env, 50000, eo, {{"eval-every", 10000}});
      add("dqn", env, 50000, eo, {{"eval-every", 10000}});
      add("random", env, 2000, eo);
    }
    return {{"name", "quick"}, {"seeds", {1, 2, 3}}, {"runs", runs}, {"temperatures", temps}, {"text_samples", 1000}};
  }
  if (name == "toy") {
    return {{"name", "toy"},
            {"seeds", {1, 2, 3, 4, 5}},
            {"envs",
             {{"CartPole-v1", {{"steps", 100000}}},
              {"Acrobot-v1", {{"steps", 100000}}},
              {"MountainCar-v0", {{"steps", 100000}}},
              {"Pendulum-v1", {{"steps", 200000}}},
              {"FrozenLake-v1", {{"steps", 50000}}},
              {"FrozenLake8x8-v1", {{"steps", 100000}}},
              {"GaussianBandit-v0", {{"steps", 20000}}}}},
            {"agents", {"dqn", "reinforce", "ppo", "a2c", "random"}},
            {"temperatures", temps},
            {"text_samples", 1000}};
  }
  if (name == "text") {
    // SeqGAN's oracle, the caption grammar and COCO: MLE (50 epochs, and early-stopped), SeqGAN's
    // and LeakGAN's fast protocols, REINFORCE on the env's own reward, REINFORCE and DQN rewarded
    // by the same seed's SeqGAN discriminator, and PPO with a KL anchor to the 50-epoch MLE run's
    // generator; 9,984 samples per temperature; 5 seeds, as the toy suite
    const json oracle = {{"oracle", text::data_path("seqgan_oracle")}};
    json runs = json::array();
    for (const auto& [env, eo] : std::vector<std::pair<std::string, json>>{
             {"TextOracle-v0", oracle}, {"TextGrammar-v0", json::object()}, {"TextCoco-v0", json::object()}}) {
      json d = eo;
      d["reward_model"] = "{run:seqgan}";
      runs.push_back({{"agent", "mle"}, {"env", env}, {"env_options", eo}, {"options", {{"epochs", 50}}}});
      // the early-stopped MLE: the last 1,000 training sequences held out, back to the epoch of the
      // best NLL on them 2 epochs after it (the 50-epoch MLE over-fits; PPO starts from that one)
      runs.push_back({{"agent", "mle"},
                      {"label", "mle-early-stop"},
                      {"env", env},
                      {"env_options", eo},
                      {"options", {{"epochs", 50}, {"validation", 1000}, {"patience", 2}}}});
      runs.push_back({{"agent", "seqgan"}, {"env", env}, {"env_options", eo}, {"steps", 0}});
      runs.push_back({{"agent", "leakgan"}, {"env", env}, {"env_options", eo}, {"steps", 0}});
      runs.push_back({{"agent", "reinforce"}, {"env", env}, {"env_options", eo}, {"steps", 100000}});
      runs.push_back({{"agent", "reinforce"}, {"env", env}, {"env_options", d}, {"steps", 100000}});
      runs.push_back({{"agent", "dqn"}, {"env", env}, {"env_options", d}, {"steps", 100000}});
      // PPO with a KL anchor to the MLE run's generator: rewarded by the task's own signal, and by
      // SeqGAN's discriminator at two fixed KL weights and the adaptive controller
      const json from_mle = {{"init-generator", "{run:mle}"}};
      auto ppo = [&, env = env](const json& env_options, const json& extra) {  // (env by copy: clang before 16 cannot capture a structured binding)
        json o = from_mle;
        o.update(extra);
        runs.push_back({{"agent", "ppo"}, {"env", env}, {"env_options", env_options}, {"steps", 100000}, {"options", o}});
      };
      ppo(eo, {{"beta", 0.05}});
      ppo(d, {{"beta", 0.05}});
      ppo(d, {{"beta", 0.5}});
      ppo(d, {{"beta", 0.1}, {"target-kl", 2}});
      runs.push_back({{"agent", "random"}, {"env", env}, {"env_options", eo}, {"steps", 5000}});
    }
    return {{"name", "text"}, {"seeds", {1, 2, 3, 4, 5}}, {"runs", runs},
            {"temperatures", {0.6, 0.8, 1.0, 1.2, 1.4}}, {"text_samples", 9984}};
  }
  if (name == "paper") {
    const json oracle = {{"oracle", text::data_path("seqgan_oracle")}};
    return {{"name", "paper"},
            {"seeds", {1, 2, 3}},
            {"runs",
             {{{"agent", "mle"}, {"env", "TextOracle-v0"}, {"env_options", oracle},
               {"options", {{"epochs", 120}, {"init-std", 0.1}}}},
              {{"agent", "seqgan"}, {"env", "TextOracle-v0"}, {"env_options", oracle}, {"steps", 0},
               {"options", json::object()}, {"preset", "paper"}}}},
            {"temperatures", {0.6, 0.8, 1.0, 1.2, 1.4}},
            {"text_samples", 9984}};
  }
  throw ConfigError("seqrl suite: unknown suite '" + name + "' (built in: quick, toy, text, paper; or a JSON file)");
}

// ---- text metrics --------------------------------------------------------------------------

namespace {
std::vector<text::Sentence> decode(const nets::IntTensor& ids, const text::Vocabulary* vocab) {
  std::vector<text::Sentence> out;
  const size_t n = ids.shape()[0], T = ids.shape()[1];
  for (size_t i = 0; i < n; ++i) {
    if (vocab) {
      out.push_back(vocab->decode(ids.data() + i * T, T));
    } else {
      text::Sentence s;
      for (size_t t = 0; t < T; ++t) s.push_back(std::to_string(ids(i, t)));
      out.push_back(s);
    }
  }
  return out;
}
}  // namespace

// The quality-diversity sweep of a finished text run's generator (empty when it has none).
json text_metrics(const std::string& ckpt, const RunSpec& r, const json& suite) {
  const nets::SafeTensors st = nets::load_safetensors(ckpt);
  auto probe = env::make(r.env, r.env_options);
  auto agent = agents::load_agent(st, ckpt, probe->observation_space(), probe->action_space());
  if (!agent->generates_text()) return json();
  const text::TextTask task = env::text_task(r.env, r.env_options, 2000, r.seed, "the suite's text metrics");
  const size_t n = suite.value("text_samples", size_t(1000));
  const bool words = task.vocab != nullptr;
  std::unique_ptr<text::BleuIndex> test_index;
  if (!task.test_sentences.empty()) test_index = std::make_unique<text::BleuIndex>(task.test_sentences, 5);
  json sweep = json::array();
  for (double tau : suite.value("temperatures", std::vector<double>{1.0})) {
    nets::Rng rng(r.seed * 7919 + 17);
    const nets::IntTensor ids = agent->sample_text(n, rng, float(tau));
    json m = {{"temperature", tau}, {"samples", n}};
    // NLL-test: held-out data under the generator's distribution at this temperature, through
    // each sentence's first end token (the padding after it is not scored)
    {
      const nets::Tensor lp = agent->text_log_probs(task.held_out, float(tau));
      const nets::Tensor mask = task.eos >= 0 ? nets::mask_through_eos(task.held_out, task.eos)
                                              : nets::Tensor(xt::ones<float>(lp.shape()));
      double s = 0, w = 0;
      for (size_t i = 0; i < lp.size(); ++i) s -= double(lp.data()[i]) * mask.data()[i], w += mask.data()[i];
      m["nll_test"] = s / w;
      m["nll_test_sequences"] = task.held_out.shape()[0];
    }
    // every metric of the table (text/metric_table.hpp) that the task can feed, into its columns
    const std::vector<text::Sentence> sents = decode(ids, task.vocab.get());
    text::MetricInputs in;
    in.ids = &ids, in.oracle = task.oracle.get(), in.grammar = task.grammar.get();
    in.max_len = task.held_out.shape()[1];  // the samples' length bound: no sample is cut by it
    if (words) in.samples = &sents, in.reference_index = test_index.get();
    for (const text::MetricSpec* spec : text::registered_metrics()) {
      if (spec->suite_columns.empty() || !text::can_score(*spec, in)) continue;
      const json v = spec->score(in);
      for (const auto& [key, column] : spec->suite_columns) m[column] = key.empty() ? v : v.at(key);
    }
    if (words) {
      m["selfbleu_samples"] = sents.size();
      if (test_index) m["bleu_references"] = test_index->num_references();
    }
    sweep.push_back(m);
  }
  return sweep;
}

// ---- random baselines ----------------------------------------------------------------------

double random_score(const std::string& env_id, const json& env_options, const std::string& cache_path) {
  json cache = exists(cache_path) ? read_json(cache_path) : json::object();
  const std::string key = env_id + " " + env_options.dump();
  if (!cache.contains(key)) {
    auto probe = env::make(env_id, env_options);
    agents::RandomAgent a(probe->action_space(), 12345);
    cache[key] = agents::evaluate(a, env_id, 100, 12345, env_options).mean;
    nets::write_file_atomic(cache_path, cache.dump(1) + "\n");
  }
  return cache[key].get<double>();
}


json text_probability_of_improvement(const json& rows, size_t resamples, uint64_t seed) {
  // task -> label -> the runs' sweeps
  std::map<std::string, std::map<std::string, std::vector<const json*>>> tasks;
  for (const auto& r : rows) {
    if (!r.contains("text_sweep") || !r["text_sweep"].is_array() || r["text_sweep"].empty()) continue;
    json eo = r.value("env_options", json::object());
    // the generator: its label, and the reward model it was trained against (REINFORCE on the
    // task's own reward and on D's are two generators of one task)
    std::string who = r.value("label", r["agent"].get<std::string>());
    if (eo.contains("reward_model")) who += " on " + (eo["reward_model"].is_string() ? eo["reward_model"].get<std::string>()
                                                                                    : eo["reward_model"].dump());
    eo.erase("reward_model");
    tasks[r["env"].get<std::string>() + (eo.empty() ? "" : " " + eo.dump())][who].push_back(&r["text_sweep"]);
  }
  auto at_one = [](const json& sweep, const std::string& k) -> std::optional<double> {
    for (const auto& m : sweep)
      if (m["temperature"].get<double>() == 1.0 && m.contains(k) && m[k].is_number()) return m[k].get<double>();
    return std::nullopt;
  };
  // a run's cooling branch: its sweep's (NLL-test, metric) from the temperature where it covers
  // held-out data best (its lowest NLL-test) down to the coldest, where NLL-test rises as the
  // samples sharpen; hotter than that best, heat only loses coverage
  auto cooling = [](const json& sweep, const std::string& k) {
    std::vector<const json*> pts;
    for (const auto& m : sweep)
      if (m.contains("nll_test") && m["nll_test"].is_number() && m.contains(k) && m[k].is_number()) pts.push_back(&m);
    std::sort(pts.begin(), pts.end(), [](const json* a, const json* b) {
      return (*a)["temperature"].get<double>() > (*b)["temperature"].get<double>();
    });
    size_t best = 0;
    for (size_t i = 1; i < pts.size(); ++i)
      if ((*pts[i])["nll_test"].get<double>() < (*pts[best])["nll_test"].get<double>()) best = i;
    std::vector<std::pair<double, double>> branch;
    for (size_t i = best; i < pts.size(); ++i)
      branch.push_back({(*pts[i])["nll_test"].get<double>(), (*pts[i])[k].get<double>()});
    return branch;
  };
  // the metric at NLL-test = c on the cooling branch, or none when the branch does not reach c
  auto at_nll_test = [&](const json& sweep, const std::string& k, double c) -> std::optional<double> {
    const auto pts = cooling(sweep, k);
    for (size_t i = 0; i < pts.size(); ++i) {
      if (pts[i].first == c) return pts[i].second;
      if (i + 1 < pts.size()) {
        const auto [a, fa] = pts[i];
        const auto [b, fb] = pts[i + 1];
        if ((a < c && c < b) || (b < c && c < a)) return fa + (fb - fa) * (c - a) / (b - a);
      }
    }
    return std::nullopt;
  };
  // the task's quality metric: the first that every run has at temperature 1
  auto metric_of = [&](const std::map<std::string, std::vector<const json*>>& by_label) -> std::string {
    for (const char* k : {"nll_oracle", "grammatical", "bleu5"}) {
      bool all = true;
      for (const auto& [l, sweeps] : by_label)
        for (const json* s : sweeps) all = all && at_one(*s, k).has_value();
      if (all) return k;
    }
    return "";
  };
  std::set<std::string> labels;
  for (const auto& [t, by] : tasks)
    for (const auto& [l, v] : by) labels.insert(l);
  json out = json::array();
  for (const std::string at : {"temperature 1", "matched NLL-test"})
    for (const auto& x : labels)
      for (const auto& y : labels) {
        if (x == y) continue;
        std::vector<std::vector<double>> xs, ys;
        json names = json::array(), metrics = json::object(), matched = json::object();
        size_t excluded = 0;
        for (const auto& [task, by] : tasks) {
          if (!by.count(x) || !by.count(y)) continue;
          const std::string k = metric_of(by);
          if (k.empty()) continue;
          const double sign = k == "nll_oracle" ? -1.0 : 1.0;  // higher is better for the comparison
          std::vector<double> xv, yv;
          if (at == "temperature 1") {
            for (const json* s : by.at(x))
              if (auto v = at_one(*s, k)) xv.push_back(sign * *v);
            for (const json* s : by.at(y))
              if (auto v = at_one(*s, k)) yv.push_back(sign * *v);
          } else {
            // the coverage every run of the pair can reach: the largest of the runs' lowest NLL-test
            // on the sweep (with a side's mean, about half of the worse side's runs could not
            // reach it and would be left out by construction)
            auto best_nll = [&](const std::vector<const json*>& sweeps) {
              double m = std::numeric_limits<double>::quiet_NaN();
              for (const json* s : sweeps) {
                const auto branch = cooling(*s, k);
                if (!branch.empty() && (std::isnan(m) || branch.front().first > m)) m = branch.front().first;
              }
              return m;
            };
            const double best_x = best_nll(by.at(x)), best_y = best_nll(by.at(y));
            const double c = std::isnan(best_x) || std::isnan(best_y) ? std::numeric_limits<double>::quiet_NaN()
                                                                      : std::max(best_x, best_y);
            if (std::isnan(c)) continue;
            for (const auto& [who, dst] : {std::pair{&x, &xv}, std::pair{&y, &yv}})
              for (const json* s : by.at(*who)) {
                if (auto v = at_nll_test(*s, k, c)) dst->push_back(sign * *v);
                else ++excluded;
              }
            matched[task] = c;
          }
          if (xv.empty() || yv.empty()) continue;
          xs.push_back(xv), ys.push_back(yv), names.push_back(task), metrics[task] = k;
        }
        if (xs.empty()) continue;
        const Interval i = probability_of_improvement(xs, ys, resamples, seed);
        json e = {{"x", x}, {"y", y}, {"at", at}, {"tasks", names.size()}, {"task_names", names}, {"metric", metrics},
                  {"value", i.point}, {"lo", i.lo}, {"hi", i.hi}};
        if (at != "temperature 1") e["matched_nll_test"] = matched, e["excluded"] = excluded;
        out.push_back(e);
      }
  return out;
}

std::map<std::string, std::string> run_labels(const std::vector<RunSpec>& runs) {
  auto options_of = [](const RunSpec& r) {
    json o = r.options;
    if (!r.preset.empty()) o["protocol"] = r.preset;
    return o;
  };
  auto key = [](const RunSpec& r) { return r.agent + "|" + r.env + "|" + r.env_options.dump(); };
  std::map<std::string, std::vector<json>> sets;  // (agent, env, env options) -> its distinct options
  for (const auto& r : runs) {
    if (!r.label.empty()) continue;  // named by its label
    auto& v = sets[key(r)];
    const json o = options_of(r);
    if (std::find(v.begin(), v.end(), o) == v.end()) v.push_back(o);
  }
  std::map<std::string, std::string> labels;
  for (const auto& r : runs) {
    if (!r.label.empty()) {
      labels[r.id] = r.label;
      continue;
    }
    const auto& v = sets[key(r)];
    if (v.size() < 2) {
      labels[r.id] = r.agent;
      continue;
    }
    const json o = options_of(r);
    json shown = json::object();
    for (auto& [k, val] : o.items())
      for (const auto& other : v)
        if (!other.contains(k) || other[k] != val) {
          shown[k] = val;
          break;
        }
    labels[r.id] = r.agent + " " + shown.dump();
  }
  return labels;
}

// The report of a finished (or partly finished) suite folder: results, stats, report.md.
json suite_report(const std::string& out_dir, const json& suite, const std::vector<RunSpec>& runs,
                  const std::vector<std::string>& skipped) {
  // what the statistics compare: the agent, told apart by its options where one agent runs on
  // one env (with the same env options) under several (PPO at two KL weights)
  const std::map<std::string, std::string> labels = run_labels(runs);
  json rows = json::array();
  for (const auto& r : runs) {
    const std::string dir = out_dir + "/runs/" + r.id;
    if (!exists(dir + "/summary.json")) continue;
    const json s = read_summary(dir + "/summary.json");
    if (s.is_null()) continue;
    json row = {{"id", r.id}, {"agent", r.agent}, {"label", labels.at(r.id)},
                {"kind", s.contains("config") ? s["config"].value("kind", r.agent) : r.agent},
                {"env", r.env}, {"env_options", r.env_options}, {"seed", r.seed},
                {"steps", s["steps"]}, {"wall_seconds", s.value("wall_seconds", json())},
                {"return", s["final_eval"]["return_mean"]},
                {"eval_episodes", s["final_eval"]["episodes"]}, {"curve", s.value("eval_curve", json::array())}};
    if (exists(dir + "/text_metrics.json")) {
      const json tm = read_json(dir + "/text_metrics.json");
      bool ok = tm.is_array();
      for (const auto& m : tm) ok = ok && m.is_object() && m.contains("temperature") && m["temperature"].is_number();
      if (!ok)
        throw ConfigError("seqrl suite: '" + dir + "/text_metrics.json' is not a list of per-temperature metrics; "
                          "delete it to measure them again");
      row["text_sweep"] = tm;
      for (const auto& m : tm)
        if (m["temperature"].get<double>() == 1.0)
          for (auto& [k, v] : m.items())
            if (k != "temperature") row[k] = v;
    }
    rows.push_back(row);
  }
  // per (agent, env-with-options): the statistics of the final return over seeds
  struct Key {
    std::string agent, env, opts;
    bool operator<(const Key& o) const { return std::tie(env, opts, agent) < std::tie(o.env, o.opts, o.agent); }
  };
  std::map<Key, std::vector<const json*>> groups;
  for (const auto& row : rows) groups[{row["label"], row["env"], row["env_options"].dump()}].push_back(&row);
  json stats = json::array();
  std::map<std::string, std::map<std::string, std::vector<double>>> normalised;  // agent -> env -> scores
  std::map<std::string, std::map<std::string, std::vector<double>>> returns;     // the same, raw (not text)
  std::vector<std::string> no_threshold;
  for (const auto& [k, g] : groups) {
    std::vector<double> ret;
    for (const json* r : g) ret.push_back((*r)["return"].get<double>());
    const suite::Summary s = suite::summarize(ret, 2000, 7);
    auto iv = [](const suite::Interval& i) { return json{{"value", i.point}, {"lo", i.lo}, {"hi", i.hi}}; };
    json e = {{"agent", k.agent}, {"env", k.env}, {"env_options", json::parse(k.opts)}, {"seeds", s.n},
              {"return", {{"mean", iv(s.mean)}, {"median", iv(s.median)}, {"iqm", iv(s.iqm)}}}};
    for (const char* metric : {"nll_oracle", "nll_test", "bleu2", "bleu5", "selfbleu2", "selfbleu5", "grammatical"}) {
      std::vector<double> v;
      for (const json* r : g)
        if (r->contains(metric)) v.push_back((*r)[metric].get<double>());
      if (v.size() == g.size()) {
        const suite::Summary m = suite::summarize(v, 2000, 11);
        e[metric] = {{"mean", iv(m.mean)}, {"iqm", iv(m.iqm)}, {"seeds", m.n}};
      }
    }
    const auto& spec = env::spec(k.env);
    if (k.env.rfind("Text", 0) != 0) returns[k.agent][k.env + (k.opts == "{}" ? "" : " " + k.opts)] = ret;
    // text envs are compared on their text metrics: their deterministic evaluation is one greedy
    // sentence, which says little of a generator, so it is not normalised
    if (spec.reward_threshold && k.env.rfind("Text", 0) != 0) {
      const double rnd = random_score(k.env, json::parse(k.opts), out_dir + "/random_baselines.json");
      e["random_return"] = rnd;
      e["threshold"] = *spec.reward_threshold;
      std::vector<double> ns;
      for (double v : ret) ns.push_back(suite::normalize(v, rnd, *spec.reward_threshold));
      e["normalised_iqm"] = iv(suite::summarize(ns, 2000, 13).iqm);
      normalised[k.agent][k.env + (k.opts == "{}" ? "" : " " + k.opts)] = ns;
    } else if (std::find(no_threshold.begin(), no_threshold.end(), k.env) == no_threshold.end()) {
      no_threshold.push_back(k.env);
    }
    stats.push_back(e);
  }
  json aggregate = json::array();
  for (const auto& [agent, envs] : normalised) {
    std::vector<std::vector<double>> per_env;
    size_t n = 0;
    for (const auto& [env, v] : envs) per_env.push_back(v), n += v.size();
    json a = {{"agent", agent}, {"envs", envs.size()}, {"runs", n}};
    for (const char* st : {"iqm", "mean", "median"}) {
      const suite::Interval i = suite::aggregate(per_env, st, 2000, 17);
      a[st] = {{"value", i.point}, {"lo", i.lo}, {"hi", i.hi}};
    }
    json names = json::array();
    for (const auto& [env, v] : envs) names.push_back(env);
    a["env_names"] = names;
    aggregate.push_back(a);
  }
  // rliable's probability of improvement of each agent over each other, on the envs both ran
  json improvement = json::array();
  for (const auto& [x, xe] : returns)
    for (const auto& [y, ye] : returns) {
      if (x == y) continue;
      std::vector<std::vector<double>> xs, ys;
      json names = json::array();
      for (const auto& [env, v] : xe)
        if (ye.count(env)) xs.push_back(v), ys.push_back(ye.at(env)), names.push_back(env);
      if (xs.empty()) continue;
      const suite::Interval i = suite::probability_of_improvement(xs, ys, 2000, 19);
      improvement.push_back({{"x", x}, {"y", y}, {"envs", names.size()}, {"env_names", names},
                             {"value", i.point}, {"lo", i.lo}, {"hi", i.hi}});
    }
  const json result = {{"suite", suite}, {"rows", rows}, {"stats", stats}, {"aggregate", aggregate},
                       {"probability_of_improvement", improvement},
                       {"text_probability_of_improvement", text_probability_of_improvement(rows)},
                       {"skipped", skipped}, {"no_threshold", no_threshold}};
  nets::write_file_atomic(out_dir + "/results.json", result.dump(1) + "\n");
  // results.csv: one row per run, the scalar columns
  {
    std::vector<std::string> cols = {"id", "agent", "kind", "env", "seed", "steps", "wall_seconds", "return"};
    std::set<std::string> extra;
    for (const auto& row : rows)
      for (auto& [k, v] : row.items())
        if (v.is_number() && std::find(cols.begin(), cols.end(), k) == cols.end()) extra.insert(k);
    cols.insert(cols.end(), extra.begin(), extra.end());
    std::string csv;
    for (size_t i = 0; i < cols.size(); ++i) csv += (i ? "," : "") + cols[i];
    csv += "\n";
    for (const auto& row : rows) {
      for (size_t i = 0; i < cols.size(); ++i) {
        if (i) csv += ",";
        if (!row.contains(cols[i])) continue;
        const json& v = row[cols[i]];
        csv += v.is_string() ? v.get<std::string>() : v.dump();
      }
      csv += "\n";
    }
    nets::write_file_atomic(out_dir + "/results.csv", csv);
  }
  // report.md
  std::ostringstream md;
  md << "# seqrl suite '" << suite.value("name", std::string("?")) << "'\n\n"
     << rows.size() << " finished runs of " << runs.size() << ". Final return: the mean over the run's final "
     << "deterministic evaluation episodes. Per agent and env, over seeds: mean, median and interquartile "
     << "mean (IQM) with 95% percentile-bootstrap intervals (2,000 resamples); n = seeds.\n\n"
     << "| env | agent | n | mean [95% CI] | median [95% CI] | IQM [95% CI] | normalised IQM |\n"
     << "|---|---|---|---|---|---|---|\n";
  auto ci = [](const json& i, int p = 3) {
    return fixed(i["value"].get<double>(), p) + " [" + fixed(i["lo"].get<double>(), p) + ", " + fixed(i["hi"].get<double>(), p) + "]";
  };
  for (const auto& e : stats) {
    const std::string env = e["env"].get<std::string>() + (e["env_options"].empty() ? "" : " " + e["env_options"].dump());
    md << "| " << env << " | " << e["agent"].get<std::string>() << " | " << e["seeds"] << " | "
       << ci(e["return"]["mean"]) << " | " << ci(e["return"]["median"]) << " | " << ci(e["return"]["iqm"]) << " | "
       << (e.contains("normalised_iqm") ? ci(e["normalised_iqm"], 2) : std::string("-")) << " |\n";
  }
  if (!improvement.empty()) {
    md << "\n## Probability of improvement\n\nP(X > Y): the chance that a run of X ends above a run of Y on the same env "
       << "(ties half), averaged over the envs both ran (rliable's probability_of_improvement; stratified bootstrap "
       << "95% CI). Above 0.5: X tends to beat Y.\n\n| X | Y | envs | P(X > Y) [95% CI] |\n|---|---|---|---|\n";
    for (const auto& a : improvement)
      md << "| " << a["x"].get<std::string>() << " | " << a["y"].get<std::string>() << " | " << a["envs"] << " | "
         << ci(a, 2) << " |\n";
  }
  if (!aggregate.empty()) {
    md << "\n## Normalised scores across envs\n\n(score - random) / (threshold - random) per run: random = a "
       << "uniformly random policy's mean return over 100 episodes, threshold = the env's reward_threshold. "
       << "Stratified bootstrap (seeds resampled within each env).\n\n"
       << "| agent | envs | runs | IQM [95% CI] | mean [95% CI] | median [95% CI] |\n|---|---|---|---|---|---|\n";
    for (const auto& a : aggregate)
      md << "| " << a["agent"].get<std::string>() << " | " << a["envs"] << " | " << a["runs"] << " | " << ci(a["iqm"], 2)
         << " | " << ci(a["mean"], 2) << " | " << ci(a["median"], 2) << " |\n";
    if (!no_threshold.empty()) {
      md << "\nNot normalised (no reward threshold, or a text env: those are compared on the text metrics below):";
      for (const auto& e : no_threshold) md << " " << e;
      md << ".\n";
    }
  }
  bool text = false;
  for (const auto& e : stats) text |= e.contains("nll_test");
  if (text) {
    md << "\n## Text metrics at temperature 1\n\nMean [95% CI] over seeds. NLL-test: held-out sequences under the "
          "generator (through the first end token); NLL-oracle: the oracle's NLL of the samples; Self-BLEU: each "
          "sample against all the others; BLEU: against the full test set.\n\n"
       << "| env | agent | n | NLL-oracle | NLL-test | BLEU-2 | BLEU-5 | Self-BLEU-2 | Self-BLEU-5 | grammatical |\n"
       << "|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& e : stats) {
      if (!e.contains("nll_test")) continue;
      auto cell = [&](const char* k) { return e.contains(k) ? ci(e[k]["mean"]) : std::string("-"); };
      md << "| " << e["env"].get<std::string>() + (e["env_options"].empty() ? "" : " " + e["env_options"].dump()) << " | "
         << e["agent"].get<std::string>() << " | " << e["seeds"] << " | " << cell("nll_oracle") << " | " << cell("nll_test") << " | " << cell("bleu2") << " | " << cell("bleu5") << " | "
         << cell("selfbleu2") << " | " << cell("selfbleu5") << " | " << cell("grammatical") << " |\n";
    }
    size_t ns = suite.value("text_samples", size_t(1000));
    md << "\nSamples per temperature: " << ns << " (Self-BLEU over all of them). The quality-diversity sweeps over "
       << "temperatures are in results.json and the report's plots.\n";
    const json& tp = result["text_probability_of_improvement"];
    if (!tp.empty()) {
      md << "\n## Text generators: probability of improvement\n\nP(X > Y) on the task's quality metric (NLL-oracle, "
            "lower is better; else grammaticality; else BLEU-5), per task over seeds, averaged over the tasks both ran "
            "(stratified bootstrap 95% CI). At temperature 1, and at matched NLL-test: each run cooled from its "
            "best-covering temperature (interpolated) to the largest of the runs' best NLL-test, a coverage every run "
            "of X and Y reaches, so that quality is compared at equal diversity; runs whose sweep does not cool that "
            "far are left out.\n\n"
         << "| X | Y | at | tasks | P(X > Y) [95% CI] | runs left out |\n|---|---|---|---|---|---|\n";
      for (const auto& e : tp) {
        if (e["value"].get<double>() < 0.5) continue;  // each pair once, the likelier winner as X
        md << "| " << e["x"].get<std::string>() << " | " << e["y"].get<std::string>() << " | " << e["at"].get<std::string>()
           << " | " << e["tasks"] << " | " << fixed(e["value"].get<double>(), 2) << " [" << fixed(e["lo"].get<double>(), 2)
           << ", " << fixed(e["hi"].get<double>(), 2) << "] | " << (e.contains("excluded") ? e["excluded"].dump() : "-") << " |\n";
      }
    }
  }
  if (!skipped.empty()) {
    md << "\nSkipped pairs:";
    for (const auto& s : skipped) md << "\n- " << s;
    md << "\n";
  }
  nets::write_file_atomic(out_dir + "/report.md", md.str());
  return result;
}

}  // namespace seqrl::suite
