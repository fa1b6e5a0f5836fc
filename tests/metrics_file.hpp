// A run folder's metrics.jsonl, one JSON object per logged moment, without the wall-clock field:
// what two runs that should be the same run are compared on.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seqrl::test {

inline std::vector<nlohmann::json> metrics_of(const std::string& dir) {
  std::vector<nlohmann::json> out;
  std::ifstream f(dir + "/metrics.jsonl");
  for (std::string line; std::getline(f, line);) {
    auto j = nlohmann::json::parse(line);
    j.erase("seconds");
    out.push_back(j);
  }
  return out;
}

}  // namespace seqrl::test
