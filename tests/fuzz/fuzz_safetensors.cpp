// The safetensors reader on arbitrary bytes: header length, JSON header, entries, data offsets.
#include <string>

#include "fuzz_util.hpp"
#include "seqrl/nets/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  seqrl::fuzz::expect_clean([&] {
    const seqrl::nets::SafeTensors st = seqrl::nets::parse_safetensors(bytes, "fuzz.safetensors");
    // what a loader does next: the metadata and every tensor's values
    double s = 0;
    for (const auto& [k, t] : st.tensors)
      for (float v : t) s += v;
    (void)s;
  });
  return 0;
}
