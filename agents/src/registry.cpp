// The agent registry (see registry.hpp); the built-in agents are listed in builtin_agents.def.
#include "seqrl/agents/registry.hpp"

#include "seqrl/env/registry.hpp"
#include "seqrl/env/space.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <sstream>

namespace seqrl::agents {

// the built-in agents' spec functions, each defined in its agent's own file
#define SEQRL_AGENT(f) AgentSpec f();
#include "builtin_agents.def"
#undef SEQRL_AGENT

namespace {
std::mutex& mutex() {
  static std::mutex m;
  return m;
}

std::vector<AgentSpec>& table() {
  static std::vector<AgentSpec> t = [] {
    std::vector<AgentSpec> b;
    // builtin_agents.def: one line per built-in agent, in the order `seqrl list agents` shows
#define SEQRL_AGENT(f) b.push_back(f());
#include "builtin_agents.def"
#undef SEQRL_AGENT
    return b;
  }();
  return t;
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}
}  // namespace

void register_agent(AgentSpec s) {
  if (s.kind.empty() || s.name.empty()) throw ValueError("register_agent: the kind or the name is empty");
  if (!s.supports || !s.defaults || !s.make)
    throw ValueError("register_agent: '" + s.kind + "' needs supports, defaults and make");
  std::lock_guard<std::mutex> lk(mutex());
  auto& t = table();
  auto it = std::find_if(t.begin(), t.end(), [&](const AgentSpec& x) { return x.kind == s.kind; });
  if (it != t.end())
    *it = std::move(s);
  else
    t.push_back(std::move(s));
}

const AgentSpec& agent_kind(const std::string& kind) {
  std::lock_guard<std::mutex> lk(mutex());
  for (const auto& s : table())
    if (s.kind == kind) return s;
  std::vector<std::string> known;
  for (const auto& s : table()) known.push_back(s.kind);
  throw KeyError("unknown agent kind '" + kind + "' (known: " + join(known) + ")");
}

std::vector<const AgentSpec*> registered_agents() {
  std::lock_guard<std::mutex> lk(mutex());
  std::vector<const AgentSpec*> v;
  for (const auto& s : table()) v.push_back(&s);
  return v;
}

std::vector<std::string> agent_names() {
  std::vector<std::string> names;
  for (const AgentSpec* s : registered_agents())
    if (std::find(names.begin(), names.end(), s->name) == names.end()) names.push_back(s->name);
  return names;
}

const AgentSpec& agent_for(const std::string& name, const env::Space& obs, const env::Space& act) {
  std::vector<const AgentSpec*> named;
  for (const AgentSpec* s : registered_agents())
    if (s->name == name) named.push_back(s);
  if (named.empty()) throw KeyError("unknown agent '" + name + "' (known: " + join(agent_names()) + ")");
  for (const AgentSpec* s : named)
    if (s->supports(obs, act)) return *s;
  std::string what;
  for (const AgentSpec* s : named) what += (what.empty() ? "" : "; ") + s->spaces;
  throw ValueError("agent '" + name + "' does not act on observations " + obs.str() + " with actions " +
                   act.str() + " (it takes: " + what + ")");
}

namespace {
const AgentOption* find_option(const AgentSpec& spec, const std::string& flag) {
  for (const auto& o : spec.options)
    if (o.flag == flag) return &o;
  return nullptr;
}
}  // namespace

std::string option_text(const nlohmann::json& config, const AgentOption& o) {
  const nlohmann::json& v = config.at(nlohmann::json::json_pointer(o.pointer));
  if (v.is_number_float()) {  // configs hold floats: 0.01f shows as 0.01, not 0.009999999776
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.7g", v.get<double>());
    return buf;
  }
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_array()) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x.dump();
    return s;
  }
  return v.dump();
}

void set_option(const AgentSpec& spec, nlohmann::json& config, const std::string& flag,
                const std::string& text) {
  const AgentOption* o = find_option(spec, flag);
  if (!o) {
    std::vector<std::string> flags;
    for (const auto& x : spec.options) flags.push_back("--" + x.flag);
    throw ConfigError("--" + flag + " is not an option of agent '" + spec.name + "' (" + spec.kind +
                      "); its options: " + (flags.empty() ? std::string("none") : join(flags)));
  }
  const nlohmann::json::json_pointer ptr(o->pointer);
  const nlohmann::json& cur = config.at(ptr);
  auto bad = [&](const std::string& want) {
    return ConfigError("--" + flag + " of agent '" + spec.name + "': '" + text + "' is not " + want);
  };
  auto number = [&](const std::string& s, bool integer) -> nlohmann::json {
    size_t used = 0;
    try {
      if (integer) {
        if (!s.empty() && s[0] == '-') {
          const long long v = std::stoll(s, &used);
          if (used == s.size()) return v;
        } else {
          const unsigned long long v = std::stoull(s, &used);
          if (used == s.size()) return v;
        }
      } else {
        const double v = std::stod(s, &used);
        if (used == s.size()) return v;
      }
    } catch (const std::exception&) {
    }
    throw bad(integer ? "an integer" : "a number");
  };
  nlohmann::json v;
  if (cur.is_boolean()) {
    if (text == "1" || text == "true") v = true;
    else if (text == "0" || text == "false") v = false;
    else throw bad("0, 1, true or false");
  } else if (cur.is_number_integer()) {
    v = number(text, true);
    if (cur.is_number_unsigned() && v.is_number_integer() && !v.is_number_unsigned() && v.get<long long>() < 0)
      throw bad("a non-negative integer");
  } else if (cur.is_number()) {
    v = number(text, false);
  } else if (cur.is_string()) {
    v = text;
  } else if (cur.is_array()) {
    v = nlohmann::json::array();
    const bool ints = cur.empty() || cur[0].is_number_integer();
    std::stringstream ss(text);
    for (std::string tok; std::getline(ss, tok, ',');) v.push_back(number(tok, ints));
    if (v.empty()) throw bad("a comma-separated list");
    // lists of sizes (--hidden 64,64): a negative entry would wrap to 2^64 - 1
    if (ints && (cur.empty() || cur[0].is_number_unsigned()))
      for (const auto& x : v)
        if (!x.is_number_unsigned() && x.get<long long>() < 0) throw bad("a comma-separated list of integers >= 0");
  } else {
    throw bad("a value this option takes");
  }
  config[ptr] = v;
}

std::unique_ptr<Agent> make_agent(const AgentSpec& spec, const env::Space& obs, const env::Space& act,
                                  nlohmann::json config, const AgentContext& ctx) {
  if (spec.bind) spec.bind(config, ctx);
  return spec.make(obs, act, config, false);
}

void one_hot_discrete_observations(RunConfig& r) {
  if (r.env_options.contains("one_hot")) return;
  if (dynamic_cast<const env::Discrete*>(&env::make(r.env_id, r.env_options)->observation_space()))
    r.env_options["one_hot"] = true;
}

}  // namespace seqrl::agents
