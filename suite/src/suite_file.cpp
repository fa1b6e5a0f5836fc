#include "seqrl/suite/suite_file.hpp"

#include <sys/stat.h>

#include <cctype>
#include <climits>
#include <cmath>
#include <initializer_list>
#include <set>

#include "seqrl/nets/error.hpp"

namespace seqrl::suite {

using json = nlohmann::json;

namespace {

// ---- the schema ------------------------------------------------------------------------------

std::string shown(const json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

std::string at(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

// Checks one suite; its errors start with `pre` ("seqrl suite: 'FILE': ").
struct Schema {
  std::string pre;

  [[noreturn]] void bad(const std::string& path, const std::string& what, const json& v) const {
    throw ConfigError(pre + path + " must be " + what + ", not " + shown(v));
  }

  void known_keys(const json& obj, const std::string& path, std::initializer_list<const char*> keys) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool known = false;
      std::string list;
      for (const char* k : keys) {
        known = known || it.key() == k;
        list += (list.empty() ? "" : ", ") + std::string(k);
      }
      if (!known)
        throw ConfigError(pre + "unknown key " + json(it.key()).dump() + " in " +
                          (path.empty() ? std::string("the suite") : path) + " (it takes: " + list + ")");
    }
  }

  // an integer (not 1.0, not "3") in [lo, hi]
  void integer(const json& v, const std::string& path, long long lo, unsigned long long hi) const {
    const std::string what =
        "an integer >= " + std::to_string(lo) + (hi <= 1000000000ull ? " and <= " + std::to_string(hi) : "");
    if (!v.is_number_integer()) bad(path, what, v);
    const bool out = v.is_number_unsigned()
                         ? v.get<unsigned long long>() > hi || (lo > 0 && v.get<unsigned long long>() < (unsigned long long)lo)
                         : v.get<long long>() < lo;
    if (out) bad(path, what, v);
  }

  void string(const json& v, const std::string& path) const {
    if (!v.is_string() || v.get<std::string>().empty()) bad(path, "a non-empty string", v);
  }

  void seeds(const json& v, const std::string& path) const {
    if (!v.is_array() || v.empty()) bad(path, "a non-empty list of integers >= 0", v);
    for (size_t i = 0; i < v.size(); ++i) integer(v[i], path + "[" + std::to_string(i) + "]", 0, ULLONG_MAX);
  }

  // what an "envs" value and a "runs" element share
  void budget_and_options(const json& e, const std::string& path) const {
    if (e.contains("steps")) integer(e["steps"], at(path, "steps"), 0, LONG_MAX);
    if (e.contains("env_options") && !e["env_options"].is_object())
      bad(at(path, "env_options"), "an object (the env's options)", e["env_options"]);
    if (e.contains("options")) {
      const json& o = e["options"];
      if (!o.is_object()) bad(at(path, "options"), "an object (agent options without their --)", o);
      for (auto it = o.begin(); it != o.end(); ++it)
        if (!it.value().is_string() && !it.value().is_number() && !it.value().is_boolean())
          bad(at(at(path, "options"), it.key()), "a string, a number or a boolean", it.value());
    }
  }

  void suite(const json& s) const {
    if (!s.is_object()) bad("the suite", "a JSON object ({\"runs\": [...], ...})", s);
    known_keys(s, "", {"name", "seeds", "envs", "agents", "runs", "temperatures", "text_samples"});
    if (s.contains("name") && !s["name"].is_string()) bad("name", "a string", s["name"]);
    if (s.contains("seeds")) seeds(s["seeds"], "seeds");
    if (s.contains("envs")) {
      const json& envs = s["envs"];
      if (!envs.is_object()) bad("envs", "an object (env id -> {\"steps\", \"env_options\", \"options\"})", envs);
      for (auto it = envs.begin(); it != envs.end(); ++it) {
        const std::string path = "envs." + it.key();
        if (it.key().empty()) bad("envs", "keyed by env ids", envs);
        if (!it.value().is_object()) bad(path, "an object (its \"steps\", \"env_options\", \"options\")", it.value());
        known_keys(it.value(), path, {"steps", "env_options", "options"});
        budget_and_options(it.value(), path);
      }
    }
    if (s.contains("agents")) {
      const json& a = s["agents"];
      if (!a.is_array()) bad("agents", "a list of agent names", a);
      for (size_t i = 0; i < a.size(); ++i) string(a[i], "agents[" + std::to_string(i) + "]");
    }
    if (s.contains("runs")) {
      const json& runs = s["runs"];
      if (!runs.is_array()) bad("runs", "a list of runs ({\"agent\", \"env\", ...})", runs);
      for (size_t i = 0; i < runs.size(); ++i) {
        const json& r = runs[i];
        const std::string path = "runs[" + std::to_string(i) + "]";
        if (!r.is_object()) bad(path, "an object with \"agent\" and \"env\"", r);
        known_keys(r, path, {"agent", "env", "label", "steps", "options", "env_options", "seeds", "preset"});
        for (const char* k : {"agent", "env"}) {
          if (!r.contains(k)) bad(path, std::string("an object with \"agent\" and \"env\" (no \"") + k + "\")", r);
          string(r[k], at(path, k));
        }
        if (r.contains("preset")) string(r["preset"], at(path, "preset"));
        if (r.contains("label")) {
          const json& l = r["label"];
          bool ok = l.is_string() && !l.get<std::string>().empty();
          for (char c : ok ? l.get<std::string>() : std::string())
            ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.');
          if (!ok)
            bad(at(path, "label"),
                "a name of letters, digits, '-' and '.' (the run's name in the report and in {run:LABEL})", l);
        }
        if (r.contains("seeds")) seeds(r["seeds"], at(path, "seeds"));
        budget_and_options(r, path);
      }
    }
    if (s.contains("temperatures")) {
      const json& t = s["temperatures"];
      if (!t.is_array() || t.empty()) bad("temperatures", "a non-empty list of numbers > 0", t);
      for (size_t i = 0; i < t.size(); ++i)
        if (!t[i].is_number() || !(t[i].get<double>() > 0) || !std::isfinite(t[i].get<double>()))
          bad("temperatures[" + std::to_string(i) + "]", "a number > 0", t[i]);
    }
    if (s.contains("text_samples")) integer(s["text_samples"], "text_samples", 1, 1000000);
  }
};

std::string prefix(const std::string& file) { return file.empty() ? "seqrl suite: " : "seqrl suite: '" + file + "': "; }

}  // namespace

void check_suite_file(const json& suite, const std::string& file) { Schema{prefix(file)}.suite(suite); }

// ---- runs --------------------------------------------------------------------------------------

std::string slug(const std::string& s) {
  std::string o;
  for (char c : s) o += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return o;
}

namespace {
// 64-bit FNV-1a: a run id's options suffix is the same on every machine and standard library
// (std::hash is implementation-defined), so a suite resumes wherever its folder is copied.
uint64_t fnv1a(const std::string& s) { return suite::fnv1a(s.data(), s.size()); }  // of a string
}  // namespace

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

std::vector<RunSpec> expand_suite(const json& suite, const ActsOn& acts_on, std::vector<std::string>& skipped,
                                  const std::string& file) {
  check_suite_file(suite, file);
  std::vector<uint64_t> seeds = suite.value("seeds", std::vector<uint64_t>{1});
  std::vector<RunSpec> base;
  std::vector<std::vector<uint64_t>> base_seeds;  // each entry's seeds: its own "seeds", else the suite's
  auto add = [&](const std::string& agent, const std::string& env, const json& e, const json& r) {
    RunSpec s;
    s.agent = agent;
    s.env = env;
    s.env_options = r.value("env_options", e.value("env_options", json::object()));
    s.options = e.value("options", json::object());
    if (r.contains("options"))
      for (auto it = r["options"].begin(); it != r["options"].end(); ++it) s.options[it.key()] = it.value();
    s.steps = r.value("steps", e.value("steps", -1L));
    s.preset = r.value("preset", std::string());
    s.label = r.value("label", std::string());
    base.push_back(s);
    base_seeds.push_back(r.contains("seeds") ? r["seeds"].get<std::vector<uint64_t>>() : seeds);
  };
  const json envs = suite.value("envs", json::object());
  for (const auto& agent : suite.value("agents", std::vector<std::string>{}))
    for (auto& [env, e] : envs.items()) {
      if (!acts_on(agent, env, e.value("env_options", json::object()))) {
        skipped.push_back(agent + " on " + env + " (the agent does not act on its spaces)");
        continue;
      }
      add(agent, env, e, json::object());
    }
  for (const auto& r : suite.value("runs", json::array())) {
    const std::string env = r["env"];
    add(r["agent"], env, envs.value(env, json::object()), r);
  }
  std::vector<RunSpec> runs;
  std::set<std::string> ids;
  for (size_t i = 0; i < base.size(); ++i) {
    const RunSpec& b = base[i];
    for (uint64_t seed : base_seeds[i]) {
      RunSpec r = b;
      r.seed = seed;
      std::string opts = r.env_options.empty() ? "" : "_" + std::to_string(fnv1a(r.env_options.dump()) % 10000);
      // runs of one agent on one env that differ only in their options (two KL weights) get
      // their options' hash too; the others keep the ids they always had. A labelled run is named
      // by its label instead, and does not change the ids of the agent's other runs.
      bool differs = false;
      for (const auto& o : base)
        differs |= o.label.empty() && o.agent == b.agent && o.env == b.env && o.env_options == b.env_options &&
                   o.preset == b.preset && o.options != r.options;
      if (differs && r.label.empty()) opts += "_o" + std::to_string(fnv1a(r.options.dump()) % 10000);
      r.id = slug((r.label.empty() ? r.agent : r.label) + "__" + r.env + opts + "__s" + std::to_string(seed));
      if (!ids.insert(r.id).second)
        throw ConfigError(prefix(file) + "two runs share the id '" + r.id + "' (the same " +
                          (r.label.empty() ? "agent, env, options" : "label, env, env options") + " and seed)");
      runs.push_back(r);
    }
  }
  if (runs.empty())
    throw ConfigError(prefix(file) + std::string("the suite has no runs (no \"runs\" entries, and \"agents\" x \"envs\" ") +
                      (skipped.empty() ? "is empty)" : "kept none: " + std::to_string(skipped.size()) + " pairs skipped)"));
  return runs;
}

namespace {
bool is_reference(const json& v) {
  return v.is_string() && v.get<std::string>().rfind("{run:", 0) == 0 && v.get<std::string>().back() == '}';
}
// a run's env options without the ones that refer to other runs
json plain_env_options(const RunSpec& r) {
  json o = json::object();
  for (auto& [k, v] : r.env_options.items())
    if (!is_reference(v)) o[k] = v;
  return o;
}
}  // namespace

bool has_reference(const RunSpec& r) {
  for (const json* opts : {&r.env_options, &r.options})
    for (auto& [k, v] : opts->items())
      if (is_reference(v)) return true;
  return false;
}

RunSpec resolve_references(RunSpec r, const std::vector<RunSpec>& runs, const std::string& out_dir, bool check_exists) {
  // a {run:AGENT} value, in the env options (a reward model) or the agent's options (a generator
  // to start from), is the checkpoint of the suite's AGENT run on the same env, seed and env
  // options (those that refer to no other run)
  const json plain = plain_env_options(r);
  for (json* opts : {&r.env_options, &r.options})
    for (auto& [k, v] : opts->items()) {
      if (!is_reference(v)) continue;
      const std::string s = v.get<std::string>();
      const std::string agent = s.substr(5, s.size() - 6);
      if (agent.empty())
        throw ConfigError("seqrl suite: run " + r.id + ": option " + k + " = " + s +
                          " names no run ({run:AGENT} or {run:LABEL})");
      // the runs labelled so, and the unlabelled runs of that agent: exactly one
      std::vector<const RunSpec*> found;
      for (const auto& o : runs)
        if (&o != &r && (o.label == agent || (o.label.empty() && o.agent == agent)) && o.env == r.env &&
            o.seed == r.seed && plain_env_options(o) == plain && o.id != r.id)
          found.push_back(&o);
      if (found.empty())
        throw ConfigError("seqrl suite: run " + r.id + ": option " + k + " = " + s + ", but the suite has no " + agent +
                          " run on " + r.env + " " + plain.dump() + " with seed " + std::to_string(r.seed));
      if (found.size() > 1) {
        std::string ids;
        for (const RunSpec* f : found) ids += (ids.empty() ? "" : ", ") + f->id;
        throw ConfigError("seqrl suite: run " + r.id + ": option " + k + " = " + s + " could be any of " + ids +
                          "; give the one meant a \"label\" and name it {run:LABEL}");
      }
      const std::string ckpt = out_dir + "/runs/" + found[0]->id + "/checkpoint.safetensors";
      if (check_exists && !exists(ckpt))
        throw ConfigError("seqrl suite: run " + r.id + " needs " + ckpt + " (list the " + agent + " run before it)");
      v = ckpt;
    }
  return r;
}

}  // namespace seqrl::suite
