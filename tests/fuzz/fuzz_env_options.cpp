// --env-options: any bytes as JSON, then every registered environment made with that object
// (unknown keys, wrong types and absurd sizes must be errors that name the key).
#include <nlohmann/json.hpp>

#include "fuzz_util.hpp"
#include "seqrl/env/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(data, data + size);
  } catch (const nlohmann::json::exception&) {
    return 0;  // the CLI reports unparsable JSON itself (and names --env-options)
  }
  // options that name files (or a checkpoint) would let the fuzzer read /dev/zero or the disk;
  // the file readers have their own harnesses
  if (j.is_object())
    for (const char* k : {"corpus", "test", "reward_model", "encoder", "vocab_file"}) j.erase(k);
  if (j.is_object() && j.contains("oracle") && j["oracle"] != "random") j.erase("oracle");
  for (const auto& id : seqrl::env::registered_ids())
    seqrl::fuzz::expect_clean([&] {
      auto e = seqrl::env::make(id, j);
      (void)e->reset(1);
    });
  return 0;
}
