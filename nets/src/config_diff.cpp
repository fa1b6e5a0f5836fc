// Setting-by-setting differences of two configurations (see config_diff.hpp).
#include "seqrl/nets/config_diff.hpp"

#include <map>

#include <nlohmann/json.hpp>

namespace seqrl::nets {

namespace {
using json = nlohmann::json;

// every setting of j by its dotted path; an empty object is a setting of its own
void flatten(const json& j, const std::string& at, std::map<std::string, json>& out) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [k, v] : j.items()) flatten(v, at.empty() ? k : at + "." + k, out);
  } else {
    out[at] = j;
  }
}
}  // namespace

std::vector<ConfigDifference> config_differences(const json& stored, const json& wanted, const json& defaults) {
  std::map<std::string, json> s, w, d;
  flatten(stored, "", s);
  flatten(wanted, "", w);
  if (!defaults.is_null()) flatten(defaults, "", d);
  std::vector<ConfigDifference> out;
  for (const auto& [k, v] : w) {
    const auto it = s.find(k);
    if (it == s.end()) {
      const auto def = d.find(k);
      if (def == d.end() || def->second != v) out.push_back({k, kNoSetting, v.dump()});
    } else if (it->second != v) {
      out.push_back({k, it->second.dump(), v.dump()});
    }
  }
  for (const auto& [k, v] : s)
    if (!w.count(k)) out.push_back({k, v.dump(), kNoSetting});
  return out;
}

std::string describe(const std::vector<ConfigDifference>& diffs, size_t at_most) {
  std::string out;
  for (size_t i = 0; i < diffs.size() && i < at_most; ++i)
    out += (i ? "; " : "") + diffs[i].key + " " + diffs[i].stored + " -> " + diffs[i].wanted;
  if (diffs.size() > at_most) out += "; and " + std::to_string(diffs.size() - at_most) + " more";
  return out;
}

}  // namespace seqrl::nets
