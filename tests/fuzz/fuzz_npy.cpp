// The oracle's .npy loader on arbitrary bytes: magic, version, header dict, shape, dtype, data.
#include <string>

#include "fuzz_util.hpp"
#include "seqrl/nets/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  seqrl::fuzz::expect_clean([&] {
    const seqrl::nets::Tensor t = seqrl::nets::parse_npy(bytes, "fuzz.npy");
    double s = 0;
    for (float v : t) s += v;
    (void)s;
  });
  return 0;
}
