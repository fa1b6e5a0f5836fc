// The `seqrl suite` file: any bytes as JSON, through the schema check and the expansion into runs
// (with every agent x env pair kept, as no env is made here) and the {run:AGENT} references.
// Whatever the file holds, the outcome is runs or a seqrl::Error naming the key, never a JSON
// library exception (a type error that names no key) or a crash.
#include <nlohmann/json.hpp>

#include "fuzz_util.hpp"
#include "seqrl/suite/suite_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(data, data + size);
  } catch (const nlohmann::json::exception&) {
    return 0;  // seqrl suite reports unparsable JSON itself, naming the file
  }
  seqrl::fuzz::expect_clean([&] {
    std::vector<std::string> skipped;
    const auto acts_on = [](const std::string& agent, const std::string& env, const nlohmann::json&) {
      return (agent.size() + env.size()) % 3 != 0;  // some pairs skipped, as for spaces that do not fit
    };
    const auto runs = seqrl::suite::expand_suite(j, acts_on, skipped);
    for (const auto& r : runs) {
      const auto v = seqrl::suite::resolve_references(r, runs, "/nonexistent/suite-out", false);
      (void)seqrl::suite::has_reference(v);
    }
  });
  return 0;
}
