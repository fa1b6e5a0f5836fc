// A saved vocabulary (vocab.txt beside a generator) read back from any bytes.
#include "fuzz_util.hpp"
#include "seqrl/text/vocab.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = seqrl::fuzz::as_file(data, size);
  seqrl::fuzz::expect_clean([&] {
    const seqrl::text::Vocabulary v = seqrl::text::Vocabulary::load(path);
    for (size_t i = 0; i < v.size(); ++i) (void)v.id(v.token(int32_t(i)));
  });
  return 0;
}
